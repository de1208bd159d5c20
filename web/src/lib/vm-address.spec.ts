import { describe, expect, it } from 'vitest';
import { tidyVmFields } from './vm-address';

const base = { displayName: ' Ada ', host: '', port: ' 22 ', sshUser: ' debian ' };

describe('tidyVmFields', () => {
  it('trims every field', () => {
    expect(tidyVmFields({ ...base, host: ' vm1.example.org ' })).toEqual({ displayName: 'Ada', host: 'vm1.example.org', port: '22', sshUser: 'debian' });
  });

  it('splits user@host and user@host:port into the fields', () => {
    expect(tidyVmFields({ ...base, host: 'ubuntu@203.0.113.7' })).toMatchObject({ host: '203.0.113.7', port: '22', sshUser: 'ubuntu' });
    expect(tidyVmFields({ ...base, host: 'ubuntu@vm1.example.org:2222' })).toMatchObject({ host: 'vm1.example.org', port: '2222', sshUser: 'ubuntu' });
  });

  it('reads a pasted ssh command with -p', () => {
    expect(tidyVmFields({ ...base, host: 'ssh root@198.51.100.4 -p 2200' })).toMatchObject({ host: '198.51.100.4', port: '2200', sshUser: 'root' });
  });

  it('keeps IPv6 colons; a bracketed literal may carry a port', () => {
    expect(tidyVmFields({ ...base, host: '2001:db8::1' })).toMatchObject({ host: '2001:db8::1', port: '22' });
    expect(tidyVmFields({ ...base, host: '[2001:db8::1]:2222' })).toMatchObject({ host: '[2001:db8::1]', port: '2222' });
  });
});
