-- AlterTable
CREATE SEQUENCE auditentry_seq_seq;
ALTER TABLE "AuditEntry" ADD COLUMN     "position" INTEGER,
ADD COLUMN     "txid" xid8 NOT NULL DEFAULT pg_current_xact_id(),
ALTER COLUMN "seq" SET DEFAULT nextval('auditentry_seq_seq'),
ALTER COLUMN "prevHash" DROP NOT NULL,
ALTER COLUMN "hash" DROP NOT NULL;
ALTER SEQUENCE auditentry_seq_seq OWNED BY "AuditEntry"."seq";

-- CreateIndex
CREATE UNIQUE INDEX "AuditEntry_position_key" ON "AuditEntry"("position");



-- Hand-written (not generated from the schema):
-- Entries written before this migration were chained as they were written: their place in
-- the chain is their seq. New entries take seq from the sequence, after the last one.
ALTER TABLE "AuditEntry" DISABLE TRIGGER audit_entry_no_update_or_delete;
UPDATE "AuditEntry" SET "position" = "seq";
ALTER TABLE "AuditEntry" ENABLE TRIGGER audit_entry_no_update_or_delete;
SELECT setval('auditentry_seq_seq', GREATEST((SELECT MAX("seq") FROM "AuditEntry"), 0) + 1, false);

-- The chainer's queue: only entries not chained yet, in the order it takes them.
CREATE INDEX "AuditEntry_unchained_idx" ON "AuditEntry"("seq") WHERE "position" IS NULL;

-- Still append-only, with one exception: the chainer fills an entry's chain columns once
-- (from null), changing nothing else. Rewriting a chained entry or its content is refused.
-- (Semicolons in the body are \073: the deploy step splits scripts at every semicolon.)
CREATE FUNCTION audit_entry_chain_once() RETURNS trigger LANGUAGE plpgsql AS
  E'BEGIN IF OLD."hash" IS NULL AND OLD."position" IS NULL AND NEW."hash" IS NOT NULL AND NEW."position" IS NOT NULL AND NEW."prevHash" IS NOT NULL AND (to_jsonb(NEW) - ''position'' - ''prevHash'' - ''hash'') = (to_jsonb(OLD) - ''position'' - ''prevHash'' - ''hash'') THEN RETURN NEW\073 END IF\073 RAISE EXCEPTION ''AuditEntry is append-only: % refused'', TG_OP USING ERRCODE = ''insufficient_privilege''\073 END\073';

DROP TRIGGER audit_entry_no_update_or_delete ON "AuditEntry";

CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON "AuditEntry"
  FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();

CREATE TRIGGER audit_entry_chain_only BEFORE UPDATE ON "AuditEntry"
  FOR EACH ROW EXECUTE FUNCTION audit_entry_chain_once();
