-- Helpers: people with their own link who see the board and answer raised hands. Not tied to a run.
CREATE TABLE "Helper" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" DATETIME
);

-- CreateIndex
CREATE UNIQUE INDEX "Helper_tokenHash_key" ON "Helper"("tokenHash");

-- Who said "I'm on it": a helper's name, or "Navigator".
ALTER TABLE "HelpRequest" ADD COLUMN "acknowledgedBy" TEXT;
