-- Runs: a workshop is given many times. Each giving is a run; attendees, groups (with their notes), timers, the
-- clock and the presenting group belong to a run. What the database holds today becomes each workshop's first run.
-- CreateTable
CREATE TABLE "Run" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workshopId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "definitionHash" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "archivedAt" DATETIME,
    "clockStartedAt" DATETIME,
    "clockPausedAt" DATETIME,
    "clockPausedTotalMs" INTEGER NOT NULL DEFAULT 0,
    "presentingGroupId" TEXT,
    "shareTokenHash" TEXT,
    CONSTRAINT "Run_workshopId_fkey" FOREIGN KEY ("workshopId") REFERENCES "Workshop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- Existing data: one first run per workshop, started when its first attendee registered (or its clock started).
INSERT INTO "Run" ("id", "workshopId", "number", "definitionHash", "startedAt", "clockStartedAt", "clockPausedAt", "clockPausedTotalMs", "presentingGroupId")
SELECT "id" || '-run-1', "id", 1, "definitionHash",
       COALESCE((SELECT MIN("createdAt") FROM "Attendee" a WHERE a."workshopId" = w."id"), "clockStartedAt", "loadedAt"),
       "clockStartedAt", "clockPausedAt", "clockPausedTotalMs", "presentingGroupId"
FROM "Workshop" w;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Workshop" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "title" TEXT NOT NULL,
    "sourceFile" TEXT NOT NULL,
    "definitionJson" TEXT NOT NULL,
    "definitionHash" TEXT NOT NULL,
    "joinCode" TEXT NOT NULL,
    "loadedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_Workshop" ("definitionHash", "definitionJson", "id", "joinCode", "loadedAt", "sourceFile", "title") SELECT "definitionHash", "definitionJson", "id", "joinCode", "loadedAt", "sourceFile", "title" FROM "Workshop";
DROP TABLE "Workshop";
ALTER TABLE "new_Workshop" RENAME TO "Workshop";
CREATE UNIQUE INDEX "Workshop_joinCode_key" ON "Workshop"("joinCode");
CREATE TABLE "new_Attendee" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "runId" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "sshUser" TEXT NOT NULL,
    "email" TEXT,
    "tokenHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "hostKeyFingerprint" TEXT,
    "hostKeyAlgorithm" TEXT,
    "hostKeyPinnedAt" DATETIME,
    "lastSeenAt" DATETIME,
    "groupId" TEXT,
    CONSTRAINT "Attendee_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Attendee_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Attendee" ("runId", "createdAt", "displayName", "email", "groupId", "host", "hostKeyAlgorithm", "hostKeyFingerprint", "hostKeyPinnedAt", "id", "lastSeenAt", "port", "sshUser", "tokenHash") SELECT "workshopId" || '-run-1', "createdAt", "displayName", "email", "groupId", "host", "hostKeyAlgorithm", "hostKeyFingerprint", "hostKeyPinnedAt", "id", "lastSeenAt", "port", "sshUser", "tokenHash" FROM "Attendee";
DROP TABLE "Attendee";
ALTER TABLE "new_Attendee" RENAME TO "Attendee";
CREATE UNIQUE INDEX "Attendee_tokenHash_key" ON "Attendee"("tokenHash");
CREATE INDEX "Attendee_runId_idx" ON "Attendee"("runId");
CREATE TABLE "new_Group" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "runId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,
    "presented" BOOLEAN NOT NULL DEFAULT false,
    "skipped" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "presentationStartedAt" DATETIME,
    "presentationEndedAt" DATETIME,
    CONSTRAINT "Group_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Group" ("runId", "createdAt", "id", "name", "position", "presented", "skipped") SELECT "workshopId" || '-run-1', "createdAt", "id", "name", "position", "presented", "skipped" FROM "Group";
DROP TABLE "Group";
ALTER TABLE "new_Group" RENAME TO "Group";
CREATE INDEX "Group_runId_idx" ON "Group"("runId");
CREATE TABLE "new_Timer" (
    "runId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "startedAt" DATETIME,
    "elapsedMs" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("runId", "kind"),
    CONSTRAINT "Timer_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Timer" ("runId", "durationMs", "elapsedMs", "kind", "startedAt", "updatedAt") SELECT "workshopId" || '-run-1', "durationMs", "elapsedMs", "kind", "startedAt", "updatedAt" FROM "Timer";
DROP TABLE "Timer";
ALTER TABLE "new_Timer" RENAME TO "Timer";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "Run_shareTokenHash_key" ON "Run"("shareTokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Run_workshopId_number_key" ON "Run"("workshopId", "number");

