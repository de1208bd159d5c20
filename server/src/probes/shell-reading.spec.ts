import { describe, expect, it } from 'vitest';
import { readShellCheck } from './shell-reading';

const mode = (script: string) => readShellCheck(script).mode;

describe('reading a check for the kept-open shell', () => {
  it('runs builtins and file reads in the shell, with what they assign made local', () => {
    expect(readShellCheck('command -v bpftrace')).toEqual({ mode: 'builtin', locals: [] });
    expect(readShellCheck('test -s /var/lib/php-ebpf/bpftrace.done')).toEqual({ mode: 'builtin', locals: [] });
    expect(readShellCheck('build=\'\'; IFS= read -r build < /x/build.status; [ -n "$build" ] && printf \'%s\\n\' "$build"')).toEqual({
      mode: 'builtin',
      locals: ['IFS', 'build'],
    });
    expect(
      readShellCheck(
        'for tool in a b; do command -v "$tool" > /dev/null || missing="$missing $tool"; done\nif [ -n "$missing" ]; then echo "missing:$missing"; false\nfi',
      ),
    ).toEqual({ mode: 'builtin', locals: ['missing', 'tool'] });
    expect(
      readShellCheck('{ read -r unit < /x; } 2> /dev/null || unit=php.service\ncase $unit in\n  php*-fpm.service|x) echo fpm ;;\n  *) echo other ;;\nesac'),
    ).toEqual({
      mode: 'builtin',
      locals: ['unit'],
    });
  });

  it('knows a check that starts programs, in a command substitution, a pipeline or by name', () => {
    expect(readShellCheck('read -r php < /x && notes=$(readelf -n "$php") && case $notes in *x*) ;; esac')).toEqual({
      mode: 'forks',
      locals: ['notes', 'php'],
    });
    expect(mode('echo "$(uname -r)"')).toBe('forks');
    expect(mode('ls /tmp | head -1')).toBe('forks');
    expect(mode('grep -q x /etc/hosts')).toBe('forks');
    expect(mode('command ls')).toBe('forks');
    expect(mode('(echo in a subshell)')).toBe('forks');
  });

  it('gives a subshell to anything that could change the shell, or that it does not follow', () => {
    for (const script of [
      'echo bye; exit 1',
      'cd /tmp && ls',
      'PATH=$PATH:/sbin; command -v x',
      'export X=1',
      'set -e; true',
      'trap "" TERM; sleep 1',
      'eval "$x"',
      '. /etc/profile',
      'sleep 5 &',
      'while true; do :; done',
      'f() { :; }; f',
      'echo ${x:=set}',
      'echo ${x?unset}',
      'echo $((x = 1))',
      'echo `uname`',
      'cat <<EOF\nx\nEOF',
      "echo 'unterminated",
      'echo "unterminated',
      '"$cmd" --version',
      '$cmd --version',
      'read -p prompt x',
      'read -r NAVIGATOR_X < /x',
      'read -r navigator_out < /x',
      'printf -v x %s y',
      'x=$(case a in a) echo;; esac)',
      'case x in\n a) echo',
    ])
      expect(mode(script), script).toBe('subshell');
  });

  it('reads the default workshop’s cheap checks as builtins', () => {
    expect(
      mode('read -r pid < /sys/fs/cgroup/system.slice/e.service/cgroup.procs || read -r pid < /sys/fs/cgroup/systemd/system.slice/e.service/cgroup.procs'),
    ).toBe('builtin');
  });
});
