-- Attendees imported from a CSV of pre-provisioned VMs may come with an email address.
ALTER TABLE "Attendee" ADD COLUMN "email" TEXT;
