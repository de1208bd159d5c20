-- Host keys pinned per address, so a pin never clears silently when the address changes, and a rebuilt VM's new key is
-- trusted only when the navigator approves the attendee's request.
ALTER TABLE "Attendee" ADD COLUMN "offeredHostKeyFingerprint" TEXT;
ALTER TABLE "Attendee" ADD COLUMN "offeredHostKeyAlgorithm" TEXT;
ALTER TABLE "Attendee" ADD COLUMN "hostKeyRequest" TEXT;

-- CreateTable
CREATE TABLE "HostKeyPin" (
    "attendeeId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "pinnedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("attendeeId", "address", "port"),
    CONSTRAINT "HostKeyPin_attendeeId_fkey" FOREIGN KEY ("attendeeId") REFERENCES "Attendee" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "HostKeyRequest" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "attendeeId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "pinnedFingerprint" TEXT NOT NULL,
    "offeredFingerprint" TEXT NOT NULL,
    "offeredAlgorithm" TEXT NOT NULL,
    "requestedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedAt" DATETIME,
    "decision" TEXT,
    CONSTRAINT "HostKeyRequest_attendeeId_fkey" FOREIGN KEY ("attendeeId") REFERENCES "Attendee" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "HostKeyRequest_attendeeId_decidedAt_idx" ON "HostKeyRequest"("attendeeId", "decidedAt");

-- Pins made before: under the host as it was typed (the address it resolved to then is not known).
INSERT INTO "HostKeyPin" ("attendeeId", "address", "port", "fingerprint", "algorithm", "pinnedAt")
SELECT "id", lower("host"), "port", "hostKeyFingerprint", COALESCE("hostKeyAlgorithm", ''), COALESCE("hostKeyPinnedAt", "createdAt")
FROM "Attendee" WHERE "hostKeyFingerprint" IS NOT NULL;
