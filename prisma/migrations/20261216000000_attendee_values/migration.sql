-- Values a workshop (format version 2) asks of each attendee, as a JSON object of name → value.
ALTER TABLE "Attendee" ADD COLUMN "valuesJson" TEXT NOT NULL DEFAULT '{}';
