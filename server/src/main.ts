import 'reflect-metadata';
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
  const line = '─'.repeat(72);
  console.log(
    [
      line,
      `Navigator is running at ${navigator.url}`,
      '',
      `  Navigator (you; keep it secret):  ${navigator.navigatorUrl}`,
      `  Projector (read-only board):      ${navigator.projectorUrl}`,
      `  Attendees join at:                ${navigator.joinUrl}`,
      line,
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
