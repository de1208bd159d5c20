import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { startNavigator } from './bootstrap';
import { ConfigError, loadConfig } from './config/app.config';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const navigator = await startNavigator(config);
  const logger = new Logger('Navigator');
  logger.log(`listening on ${navigator.listening}; attendees join at ${navigator.joinUrl}`);
  // The sign-in links carry secrets: shown to the person at the terminal, never written to a log.
  if (process.stdout.isTTY && config.logFormat === 'text') {
    const line = '─'.repeat(72);
    console.log(
      [
        line,
        `Navigator is running at ${navigator.url}  (workshop: ${navigator.workshopTitle})`,
        '',
        `  Navigator (you; keep it secret):  ${navigator.navigatorUrl}`,
        `  Projector (read-only board):      ${navigator.projectorUrl}`,
        `  Attendees join at:                ${navigator.joinUrl}`,
        line,
      ].join('\n'),
    );
  } else {
    logger.log('sign-in links for the navigator and the projector are not logged: run "npm run links" on this machine');
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
