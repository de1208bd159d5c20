// npm run bench: the benchmarks, run on demand (not part of npm test).
import { spawnSync } from 'node:child_process';

const result = spawnSync('npx', ['tsx', '--tsconfig', 'test/tsconfig.json', 'test/bench/probe.bench.ts'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
