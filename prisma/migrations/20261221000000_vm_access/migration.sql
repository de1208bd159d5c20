-- How Navigator reaches an attendee's VM: direct (Navigator dials its sshd) or tunnel (the VM opens `ssh -R` to Navigator).
ALTER TABLE "Attendee" ADD COLUMN "vmAccess" TEXT NOT NULL DEFAULT 'direct';
