import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app.config';

describe('loadConfig', () => {
  it('uses defaults on an empty environment', () => {
    const config = loadConfig({}, '/srv/nav');
    expect(config.port).toBe(8080);
    expect(config.databaseFile).toBe('/srv/nav/data/navigator.db');
    expect(config.workshopFile).toBe('/srv/nav/checks/ebpf-php.yaml');
    expect(config.allowLoopbackVms).toBe(false);
  });

  it('keeps the tunnel endpoint off unless NAVIGATOR_TUNNEL_PORT is a port', () => {
    expect(loadConfig({}).tunnelPort).toBeNull();
    expect(loadConfig({ NAVIGATOR_TUNNEL_PORT: '2222' }).tunnelPort).toBe(2222);
    expect(() => loadConfig({ NAVIGATOR_TUNNEL_PORT: 'ssh' })).toThrow(/NAVIGATOR_TUNNEL_PORT="ssh": must be a port number/);
    expect(() => loadConfig({ NAVIGATOR_TUNNEL_PORT: '70000' })).toThrow(/NAVIGATOR_TUNNEL_PORT="70000": must be a port number/);
  });

  it('names the variable and the reason when a value is bad', () => {
    expect(() => loadConfig({ NAVIGATOR_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ NAVIGATOR_PORT: 'eighty' })).toThrow(/NAVIGATOR_PORT="eighty": must be a number/);
    expect(() => loadConfig({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'maybe' })).toThrow(/NAVIGATOR_ALLOW_LOOPBACK_VMS="maybe": use true or false/);
    expect(() => loadConfig({ NAVIGATOR_PUBLIC_URL: 'not a url' })).toThrow(/NAVIGATOR_PUBLIC_URL/);
  });
});
