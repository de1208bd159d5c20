-- Where an attendee sits, when the workshop asks (seat:), shown in the help queue.
ALTER TABLE "Attendee" ADD COLUMN "seat" TEXT;
