-- CreateTable
CREATE TABLE "Workshop" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "title" TEXT NOT NULL,
    "sourceFile" TEXT NOT NULL,
    "definitionJson" TEXT NOT NULL,
    "definitionHash" TEXT NOT NULL,
    "joinCode" TEXT NOT NULL,
    "loadedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "clockStartedAt" DATETIME,
    "clockPausedAt" DATETIME,
    "clockPausedTotalMs" INTEGER NOT NULL DEFAULT 0,
    "presentingGroupId" TEXT
);

-- CreateTable
CREATE TABLE "WorkshopRevision" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "workshopId" TEXT NOT NULL,
    "definitionHash" TEXT NOT NULL,
    "definitionJson" TEXT NOT NULL,
    "loadedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "WorkshopRevision_workshopId_fkey" FOREIGN KEY ("workshopId") REFERENCES "Workshop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Attendee" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workshopId" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "sshUser" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "hostKeyFingerprint" TEXT,
    "hostKeyAlgorithm" TEXT,
    "hostKeyPinnedAt" DATETIME,
    "lastSeenAt" DATETIME,
    "groupId" TEXT,
    CONSTRAINT "Attendee_workshopId_fkey" FOREIGN KEY ("workshopId") REFERENCES "Workshop" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Attendee_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Transition" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "attendeeId" TEXT NOT NULL,
    "stepId" TEXT,
    "checkId" TEXT,
    "fromStatus" TEXT,
    "toStatus" TEXT NOT NULL,
    "reason" TEXT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Transition_attendeeId_fkey" FOREIGN KEY ("attendeeId") REFERENCES "Attendee" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "HelpRequest" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "attendeeId" TEXT NOT NULL,
    "message" TEXT NOT NULL DEFAULT '',
    "raisedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acknowledgedAt" DATETIME,
    "resolvedAt" DATETIME,
    CONSTRAINT "HelpRequest_attendeeId_fkey" FOREIGN KEY ("attendeeId") REFERENCES "Attendee" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Group" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workshopId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,
    "presented" BOOLEAN NOT NULL DEFAULT false,
    "skipped" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Group_workshopId_fkey" FOREIGN KEY ("workshopId") REFERENCES "Workshop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Note" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "groupId" TEXT NOT NULL,
    "authorAttendeeId" TEXT,
    "authorName" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" DATETIME,
    CONSTRAINT "Note_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Note_authorAttendeeId_fkey" FOREIGN KEY ("authorAttendeeId") REFERENCES "Attendee" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Timer" (
    "workshopId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "startedAt" DATETIME,
    "elapsedMs" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("workshopId", "kind"),
    CONSTRAINT "Timer_workshopId_fkey" FOREIGN KEY ("workshopId") REFERENCES "Workshop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "Workshop_joinCode_key" ON "Workshop"("joinCode");

-- CreateIndex
CREATE UNIQUE INDEX "WorkshopRevision_workshopId_definitionHash_key" ON "WorkshopRevision"("workshopId", "definitionHash");

-- CreateIndex
CREATE UNIQUE INDEX "Attendee_tokenHash_key" ON "Attendee"("tokenHash");

-- CreateIndex
CREATE INDEX "Attendee_workshopId_idx" ON "Attendee"("workshopId");

-- CreateIndex
CREATE INDEX "Transition_attendeeId_at_idx" ON "Transition"("attendeeId", "at");

-- CreateIndex
CREATE INDEX "HelpRequest_attendeeId_resolvedAt_idx" ON "HelpRequest"("attendeeId", "resolvedAt");

-- CreateIndex
CREATE INDEX "Group_workshopId_idx" ON "Group"("workshopId");

-- CreateIndex
CREATE INDEX "Note_groupId_idx" ON "Note"("groupId");

