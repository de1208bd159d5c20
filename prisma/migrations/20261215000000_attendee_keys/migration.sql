-- One SSH key pair per attendee. Existing attendees get theirs at the next start (sshPublicKey null means
-- "none yet"); their pages then ask them to install the new line.
ALTER TABLE "Attendee" ADD COLUMN "sshPublicKey" TEXT;
ALTER TABLE "Attendee" ADD COLUMN "sshKeyReissued" BOOLEAN NOT NULL DEFAULT false;
