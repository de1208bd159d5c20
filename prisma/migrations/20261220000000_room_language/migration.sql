-- The room's language, chosen by the navigator: the projector shows it, exports default to it. Null until chosen.
ALTER TABLE "Run" ADD COLUMN "language" TEXT;
