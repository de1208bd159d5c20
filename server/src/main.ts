import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { startNavigator } from './bootstrap';
import { ConfigError, loadConfig } from './config/app.config';
import { redactSecrets } from './logging/log-redaction';

/** A start that fails says why in the log's own format: a log shipper reading JSON gets a JSON line (pino's `fatal`). */
function fatal(message: string): void {
  const text = redactSecrets(message);
  if (process.env.NAVIGATOR_LOG_FORMAT === 'json')
    console.error(JSON.stringify({ level: 60, time: new Date().toISOString(), context: 'Navigator', msg: text }));
  else console.error(text);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      fatal(error.message);
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
  fatal(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
