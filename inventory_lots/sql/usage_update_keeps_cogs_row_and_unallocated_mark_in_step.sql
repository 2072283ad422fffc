-- An updated usage row: its copy in UsageCogs and its UnallocatedUsage mark's LIC, office and date
-- follow it.
CREATE OR REPLACE FUNCTION inventory_lots_unallocated_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- (the application never updates a usage row; raw SQL or a data fix must not leave the copies behind)
  UPDATE inventory_lots_usagecogs c
  SET lic_id = n.lic_id, date = n.date, quantity = n.quantity, lot_id = n.lot_id, returns_usage_id = n.returns_usage_id,
      reverses_usage_id = n.reverses_usage_id,
      production_order_id = inventory_lots_component_order(n.kind, n.source_type_id, n.source_id)
  FROM inventory_lots_new_usage n
  WHERE c.usage_id = n.id
    AND (c.lic_id, c.date, c.quantity, c.lot_id, c.returns_usage_id, c.reverses_usage_id, c.production_order_id)
        IS DISTINCT FROM
        (n.lic_id, n.date, n.quantity, n.lot_id, n.returns_usage_id, n.reverses_usage_id,
         inventory_lots_component_order(n.kind, n.source_type_id, n.source_id));
  UPDATE inventory_lots_unallocatedusage s SET lic_id = n.lic_id, office_id = n.office_id, date = n.date
  FROM inventory_lots_new_usage n
  WHERE s.usage_id = n.id AND (s.lic_id, s.office_id, s.date) IS DISTINCT FROM (n.lic_id, n.office_id, n.date);
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER inventory_lots_unallocated_update AFTER UPDATE ON inventory_lots_inventoryusage
  REFERENCING NEW TABLE AS inventory_lots_new_usage
  FOR EACH STATEMENT EXECUTE FUNCTION inventory_lots_unallocated_on_update();
