-- A COGS job's balance UPDATE of UsageCogs rows: the UnallocatedUsage mark goes when the usage is
-- fully allocated, comes back when it is not (a give-back re-opened it). Statement-level: one
-- DELETE and one INSERT per UPDATE of a whole group's usage.
CREATE OR REPLACE FUNCTION inventory_lots_unallocated_on_cogs_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- ANY(ARRAY(...)): primary-key probes, never a scan of the whole side table
  DELETE FROM inventory_lots_unallocatedusage s
  WHERE s.usage_id = ANY(ARRAY(SELECT n.usage_id FROM inventory_lots_new_cogs n
                               WHERE n.quantity = n.allocated_quantity));
  INSERT INTO inventory_lots_unallocatedusage (usage_id, lic_id, office_id, date)
  SELECT u.id, u.lic_id, u.office_id, u.date FROM inventory_lots_inventoryusage u
  WHERE u.id = ANY(ARRAY(SELECT n.usage_id FROM inventory_lots_new_cogs n
                         WHERE n.quantity <> n.allocated_quantity
                           AND NOT EXISTS (SELECT 1 FROM inventory_lots_unallocatedusage s
                                           WHERE s.usage_id = n.usage_id)))
  ON CONFLICT (usage_id) DO NOTHING;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER inventory_lots_unallocated_cogs_update AFTER UPDATE ON inventory_lots_usagecogs
  REFERENCING NEW TABLE AS inventory_lots_new_cogs
  FOR EACH STATEMENT EXECUTE FUNCTION inventory_lots_unallocated_on_cogs_update();
