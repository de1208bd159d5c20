-- Connection transitions use the words of the views: `connected`, or `unreachable` with the reason in its own column.
UPDATE "Transition" SET "reason" = COALESCE("reason", substr("toStatus", 13)) WHERE "checkId" IS NULL AND "toStatus" LIKE 'unreachable:%';
UPDATE "Transition" SET "toStatus" = 'unreachable' WHERE "checkId" IS NULL AND "toStatus" LIKE 'unreachable:%';
UPDATE "Transition" SET "toStatus" = 'connected' WHERE "checkId" IS NULL AND "toStatus" = 'reachable';
UPDATE "Transition" SET "fromStatus" = 'unreachable' WHERE "checkId" IS NULL AND "fromStatus" LIKE 'unreachable:%';
UPDATE "Transition" SET "fromStatus" = 'connected' WHERE "checkId" IS NULL AND "fromStatus" = 'reachable';
