-- A deleted usage takes its UnallocatedUsage mark and its UsageCogs row with it (usage is never
-- deleted by the application; a test database's cleanup and data fixes are).
CREATE OR REPLACE FUNCTION inventory_lots_unallocated_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM inventory_lots_unallocatedusage s
  WHERE s.usage_id = ANY(ARRAY(SELECT o.id FROM inventory_lots_old_usage o));
  DELETE FROM inventory_lots_usagecogs c
  WHERE c.usage_id = ANY(ARRAY(SELECT o.id FROM inventory_lots_old_usage o));
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER inventory_lots_unallocated_delete AFTER DELETE ON inventory_lots_inventoryusage
  REFERENCING OLD TABLE AS inventory_lots_old_usage
  FOR EACH STATEMENT EXECUTE FUNCTION inventory_lots_unallocated_on_delete();
