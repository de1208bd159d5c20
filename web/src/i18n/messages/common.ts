import { defineMessages } from '$server/contract/i18n/catalog';

/** Words every page uses, and the shared components' texts (web/src/lib). Keys start with `common.`. */
export default defineMessages(
  {
    'common.language': 'Language',
    'common.duration.seconds': '{seconds} s',
    'common.duration.minutes': '{minutes} min',
    'common.duration.hoursMinutes': '{hours} h {minutes} min',

    // The start page (App.svelte).
    'common.home.intro':
      'Attendees: open the join link the navigator shared. Navigator: open the link printed when the server started (or run <code>{command}</code> on the server).',

    // ConnectionBadge: a VM's connection in a word or two.
    'common.connection.connected': 'connected',
    'common.connection.connecting': 'connecting…',
    'common.connection.waiting': 'waiting',
    'common.vm.viaTunnel': 'through its tunnel to Navigator',
    'common.connection.unreachable': 'unreachable',
    'common.connection.commandsBlocked': 'connected, but commands are blocked',
    'common.connection.reason.refused': 'connection refused',
    'common.connection.reason.timeout': 'timed out',
    'common.connection.reason.slowLink': 'slow link',
    'common.connection.reason.dropped': 'dropped by sshd',
    'common.connection.reason.dns': 'DNS name not found',
    'common.connection.reason.authRejected': 'key not authorized yet',
    'common.connection.reason.hostKeyChanged': 'host key changed',
    'common.connection.reason.network': 'host unreachable',
    'common.connection.reason.addressRefused': 'address not allowed',
    'common.connection.reason.lost': 'connection lost',
    'common.connection.reason.error': 'SSH error',
    'common.connection.reason.tunnelNotOpen': 'tunnel not open yet',
    'common.connection.reason.tunnelClosed': 'tunnel closed',
    'common.connection.reason.tunnelSshdSilent': 'tunnel open, sshd not answering',

    // CopyBox, and the code blocks of a hint.
    'common.copy.copy': 'Copy',
    'common.copy.code': 'Copy code',
    'common.copy.copied': 'Copied ✓',

    // Countdown: a discussion or presenter timer.
    'common.countdown.running': '▶ running',
    'common.countdown.timeUp': '■ time is up',
    'common.countdown.paused': '❚❚ paused',

    // StepState and the board's step cells (step-looks.ts).
    'common.step.done': 'done',
    'common.step.current': 'current',
    'common.step.failing': 'failing',
    'common.step.notYet': 'not yet',
    'common.step.unreachable': 'unreachable',
    'common.step.labelled':
      '{step}: {state, select, done {done} current {current} failing {failing} not_yet {not yet} unreachable {unreachable} other {{state}}}',

    // StepSummary: where the room is, per step.
    'common.summary.label': 'Where the room is',
    'common.summary.spread': 'How many attendees are on each step',
    'common.summary.onStep': '{count} on {step}',
    'common.summary.finished': '{count} finished',
    'common.summary.counts': '<b>{on}</b> on it · <b>{done}</b>/{total} done',

    // BroadcastBanner: the navigator's message to the room.
    'common.broadcast.from': 'From the navigator:',
    'common.broadcast.dismiss': 'Dismiss',
    'common.broadcast.dismissLabel': "Dismiss the navigator's message",
    'common.broadcast.history': 'Messages from the navigator ({count})',

    // clock.svelte.ts: the room's pace against the plan, and how long something has lasted in a board cell.
    'common.pace.onPace': 'on pace',
    'common.pace.ahead': '{minutes} min ahead',
    'common.pace.behind': '{minutes} min behind',
    'common.cellDuration.underAMinute': '<1 min',
    'common.cellDuration.minutes': '{minutes} min',
    'common.cellDuration.hoursMinutes': '{hours} h {minutes}',
  },
  {
    'common.language': '言語',
    'common.duration.seconds': '{seconds}秒',
    'common.duration.minutes': '{minutes}分',
    'common.duration.hoursMinutes': '{hours}時間{minutes}分',

    'common.home.intro':
      '参加者の方：ナビゲーターが共有した参加用リンクを開いてください。ナビゲーターの方：サーバー起動時に表示されたリンクを開いてください（またはサーバーで <code>{command}</code> を実行してください）。',

    'common.connection.connected': '接続済み',
    'common.connection.connecting': '接続中…',
    'common.connection.waiting': '待機中',
    'common.vm.viaTunnel': 'Navigator へのトンネル経由',
    'common.connection.unreachable': '接続できません',
    'common.connection.commandsBlocked': '接続済み・コマンド実行不可',
    'common.connection.reason.refused': '接続拒否',
    'common.connection.reason.timeout': 'タイムアウト',
    'common.connection.reason.slowLink': '低速な回線',
    'common.connection.reason.dropped': 'sshd が切断',
    'common.connection.reason.dns': 'DNS 名が見つかりません',
    'common.connection.reason.authRejected': '鍵が未登録',
    'common.connection.reason.hostKeyChanged': 'ホスト鍵が変更',
    'common.connection.reason.network': 'ホストに到達できません',
    'common.connection.reason.addressRefused': '許可されていないアドレス',
    'common.connection.reason.lost': '接続が切れました',
    'common.connection.reason.error': 'SSH エラー',
    'common.connection.reason.tunnelNotOpen': 'トンネル未接続',
    'common.connection.reason.tunnelClosed': 'トンネル切断',
    'common.connection.reason.tunnelSshdSilent': 'トンネルは開通・sshd が無応答',

    'common.copy.copy': 'コピー',
    'common.copy.code': 'コードをコピー',
    'common.copy.copied': 'コピーしました ✓',

    'common.countdown.running': '▶ 進行中',
    'common.countdown.timeUp': '■ 時間切れ',
    'common.countdown.paused': '❚❚ 一時停止中',

    'common.step.done': '完了',
    'common.step.current': '取り組み中',
    'common.step.failing': '失敗中',
    'common.step.notYet': '未着手',
    'common.step.unreachable': '接続できません',
    'common.step.labelled':
      '{step}：{state, select, done {完了} current {取り組み中} failing {失敗中} not_yet {未着手} unreachable {接続できません} other {{state}}}',

    'common.summary.label': '会場の進み具合',
    'common.summary.spread': '各ステップに取り組んでいる参加者の数',
    'common.summary.onStep': '{step}：{count}人',
    'common.summary.finished': '完了：{count}人',
    'common.summary.counts': '取り組み中 <b>{on}</b> · 完了 <b>{done}</b>/{total}',

    'common.broadcast.from': 'ナビゲーターから：',
    'common.broadcast.dismiss': '閉じる',
    'common.broadcast.dismissLabel': 'ナビゲーターからのメッセージを閉じる',
    'common.broadcast.history': 'ナビゲーターからのメッセージ（{count}件）',

    'common.pace.onPace': '予定どおり',
    'common.pace.ahead': '予定より{minutes}分先行',
    'common.pace.behind': '予定より{minutes}分遅れ',
    'common.cellDuration.underAMinute': '1分未満',
    'common.cellDuration.minutes': '{minutes}分',
    'common.cellDuration.hoursMinutes': '{hours}時間{minutes}分',
  },
);
