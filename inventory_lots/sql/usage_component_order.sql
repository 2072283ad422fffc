-- The production order a usage is a component usage of (its source, when its kind is 'production',
-- inventory_lots.models.UsageKind.PRODUCTION), else NULL. Copied into the usage's UsageCogs row by the
-- usage triggers, so a COGS job knows which production lots to recompute without reading the usage row.
CREATE OR REPLACE FUNCTION inventory_lots_component_order(kind varchar, source_type_id integer, source_id bigint)
RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN kind = 'production' AND source_type_id = (
    SELECT t.id FROM django_content_type t WHERE t.app_label = 'production' AND t.model = 'productionorder')
  THEN source_id END
$$;
