import { defineMessages } from '$server/contract/i18n/catalog';

/** The attendee pages' texts. Keys start with `attendee.`. */
export default defineMessages(
  {
    // Signed out: why this page no longer works.
    'attendee.signedOut.endedTitle': 'The workshop has ended',
    'attendee.signedOut.ended': 'This run of the workshop has ended: the navigator started the next one. Thank you for taking part!',
    'attendee.signedOut.removedTitle': 'Removed from the workshop',
    'attendee.signedOut.removed':
      'The navigator removed you from this workshop, and Navigator no longer watches your VM. If that is a mistake, ask them to add you again.',
    'attendee.signedOut.signInTitle': 'Sign in needed',
    'attendee.signedOut.linkReissued': 'The navigator gave you a new personal link, so this one no longer works. Open the new link.',
    'attendee.signedOut.signIn': 'This page needs your personal link. Open the link you got when you registered.',

    // The page's header.
    'attendee.loading': 'Loading your page…',
    'attendee.header.eyebrow': 'Your workshop page',
    'attendee.header.greeting': 'Hi {name}',
    'attendee.header.offline': 'offline · reconnecting…',
    'attendee.header.signOut': 'Sign out',

    // Raising a hand.
    'attendee.hand.label': 'Ask for help',
    'attendee.hand.upComing': 'Your hand is up: {name} is on the way.',
    'attendee.hand.upNavigatorComing': 'Your hand is up: the navigator is on the way.',
    'attendee.hand.up': 'Your hand is up. The navigator will come to you.',
    'attendee.hand.message': '“{message}”',
    'attendee.hand.lower': 'Lower hand',
    'attendee.hand.placeholder': 'What are you stuck on? (optional)',
    'attendee.hand.messageLabel': 'What are you stuck on',
    'attendee.hand.raise': 'Raise hand',

    // The discussion.
    'attendee.discussion.title': 'Discussion',
    'attendee.discussion.titleWithGroup': 'Discussion: {group}',
    'attendee.discussion.timer': 'Discussion',
    'attendee.discussion.presenting': 'Presenting: {group}',
    'attendee.discussion.upNext': 'Up next: <b>{group}</b>',
    'attendee.discussion.with': 'With {names}',
    'attendee.discussion.withNobody': 'With nobody else yet',
    'attendee.discussion.noGroup': 'You are not in a group yet; the navigator will put you in one.',

    // Progress through the steps.
    'attendee.progress.title': 'Your progress',
    'attendee.progress.doneCount': '{done} of {total} steps done',
    'attendee.progress.now': 'Now: {title}',
    'attendee.progress.couldNotCheck': 'Navigator could not check this (not your step failing):',
    'attendee.progress.checkNow': 'Check me now',
    'attendee.progress.checkNeedsVm': 'Checks run once Navigator is connected to your VM (see <em>Your VM</em> above).',
    'attendee.progress.checking': 'Checking…',
    'attendee.progress.checked': 'Checked just now.',
    'attendee.progress.allDone': 'All steps done. Nice work!',
    'attendee.progress.stepMinutes': '· {duration}',

    // The VM: how Navigator reaches it, and what to do about it.
    'attendee.vm.title': 'Your VM',
    'attendee.vm.seat': ' · {label}: {seat}',
    'attendee.vm.seatUnlabelled': ' · Seat: {seat}',
    'attendee.vm.keyReissued':
      '<b>Navigator now uses a key of your own.</b> The line you added before no longer works: add the new line below (and remove the old Navigator line).',
    'attendee.vm.dedicatedLogin':
      '<b>Recommended: on your VM, run this once</b> (it creates a login <code>{login}</code> for Navigator, with no password and no sudo, and adds your key line there; then set the SSH user below to <code>{login}</code>):',
    'attendee.vm.dedicatedLoginCommand': "command that creates Navigator's own login",
    'attendee.vm.rootChecks':
      "<b>{count, plural, one {One check of this workshop reads} other {# checks of this workshop read}} what only root may read</b> ({checks}). The login above has no sudo, so {count, plural, one {it says} other {they say}} “needs passwordless sudo” until you allow it. This lets Navigator's checks run as root on this VM (a check is a shell script, so no narrower rule would do); leave it out and only {count, plural, one {that check stays} other {those checks stay}} unanswered:",
    'attendee.vm.rootChecksSeparator': '; ',
    'attendee.vm.rootChecksCommand': "command that lets Navigator's login run the root checks",
    'attendee.vm.ownAccountSudo':
      "If you use your own account instead, it needs <code>sudo</code> without a password (most cloud images' default user has it).",
    'attendee.vm.ownAccount': 'Or add the key to your own account',
    'attendee.vm.installCommand': "command that adds Navigator's key",
    'attendee.vm.authorizedKeysHint': 'Or add this line to <code>{file}</code> yourself:',
    'attendee.vm.authorizedKeysLine': 'authorized_keys line',
    'attendee.vm.keyScope':
      "This key is yours alone. It lets Navigator run the workshop's checks and read the workshop's ports on your VM's localhost; nothing else (no listening ports, no sftp, no terminal, no agent or X11 forwarding).",
    'attendee.vm.hostKeyChanged': 'Navigator pinned <code>{pinned}</code>; your VM now presents <code>{offered}</code>.',
    'attendee.vm.hostKeyAsked': 'Asked: the navigator compares the two keys and trusts the new one if it is your rebuilt VM.',
    'attendee.vm.hostKeyRejected': 'The navigator did not trust the new key. Talk to them before asking again.',
    'attendee.vm.hostKeyHowToCompare': 'On your VM, <code>{command}</code> prints its key: if it matches the new one, ask the navigator to trust it.',
    'attendee.vm.hostKeyRequest': 'My VM was rebuilt: trust its new key',
    'attendee.vm.hostKeyPinned': 'Host key pinned: <code>{fingerprint}</code>',
    'attendee.vm.retry': 'Try again now',
    'attendee.vm.retrying': 'Trying again now…',
    'attendee.vm.edit': 'Change VM details',

    // Changing the VM's details.
    'attendee.edit.displayName': 'Your name',
    'attendee.edit.host': 'VM address',
    'attendee.edit.port': 'SSH port',
    'attendee.edit.sshUser': 'SSH user',
    'attendee.edit.secretGiven': 'given (leave empty to keep it)',
    'attendee.edit.save': 'Save',
    'attendee.edit.cancel': 'Cancel',

    // What to do about the VM's connection (connection-advice.ts).
    'attendee.advice.commandsBlocked.title': 'Connected, but commands are blocked',
    'attendee.advice.commandsBlocked.body': `Navigator logs in, but this account runs something else instead of commands (a ForceCommand in sshd_config, a nologin shell, or command="…" before Navigator's key in ~/.ssh/authorized_keys), so your steps cannot be checked. Use an account with a normal shell, or remove that restriction for Navigator's key.`,
    'attendee.advice.commandsBlocked.bodyPrinted': `Navigator logs in, but this account runs something else instead of commands (a ForceCommand in sshd_config, a nologin shell, or command="…" before Navigator's key in ~/.ssh/authorized_keys), so your steps cannot be checked. Use an account with a normal shell, or remove that restriction for Navigator's key. The account printed: “{printed}”`,
    'attendee.advice.connected.title': 'Connected',
    'attendee.advice.connected.body': 'Navigator can see your VM. Keep this page open to follow your progress.',
    'attendee.advice.connecting.title': 'Connecting to your VM…',
    'attendee.advice.connecting.body': 'Add the key below if you have not yet; Navigator keeps trying.',
    'attendee.advice.authRejected.title': 'Key not authorized yet',
    'attendee.advice.authRejected.body':
      "Your VM answered, but it does not accept Navigator's key yet. Run the command below on your VM (as the SSH user you registered), then wait a few seconds.",
    'attendee.advice.refused.title': 'Connection refused',
    'attendee.advice.refused.body':
      'Something answered at that address, but nothing listens on the SSH port. Check the port number, that sshd is running (sudo systemctl status ssh), and that no firewall rejects it.',
    'attendee.advice.timeout.title': 'Host unreachable or timed out',
    'attendee.advice.timeout.body':
      "Nothing answered at that address. Check the address (use the VM's public IP), that the VM is running, and that your cloud's firewall / security group allows SSH from the workshop network.",
    'attendee.advice.slowLink.title': 'Slow link',
    'attendee.advice.slowLink.body':
      'Your VM answers, but the login over this network takes longer than Navigator waits. Nothing is wrong with your VM or your key; Navigator keeps trying. {message}',
    'attendee.advice.dropped.title': 'sshd drops the connection',
    'attendee.advice.dropped.body':
      'Your VM accepts the connection and closes it before greeting: sshd is refusing logins (too many at once: MaxStartups, or a rule such as hosts.deny or fail2ban). Navigator keeps trying.',
    'attendee.advice.lost.title': 'Connection lost',
    'attendee.advice.lost.body':
      'Navigator was connected to your VM and the connection dropped: sshd stopped, the VM restarted, or the network cut it. Check that the VM is running and sshd is up (sudo systemctl status ssh); Navigator keeps trying.',
    'attendee.advice.dns.title': 'DNS name not found',
    'attendee.advice.dns.body': 'That name does not resolve. Check for typos, or use the IP address instead.',
    'attendee.advice.hostKeyChanged.title': 'Host key changed since it was pinned',
    'attendee.advice.hostKeyChanged.body':
      'The machine at that address is not the one Navigator first saw, so Navigator runs nothing on it. If you rebuilt your VM, ask the navigator to trust its new key (below); otherwise tell them: someone may be in between.',
    'attendee.advice.addressRefused.title': 'Address not allowed',
    'attendee.advice.addressRefused.body': 'Navigator does not connect to this kind of address.',
    'attendee.advice.error.title': 'Cannot connect',
    'attendee.advice.error.body': 'An unexpected SSH error occurred; Navigator keeps trying.',
    'attendee.advice.tunnelNotOpen.title': 'Open the tunnel from your VM',
    'attendee.advice.tunnelNotOpen.body':
      "Navigator cannot dial your VM, so your VM opens a tunnel to Navigator: run the tunnel command below on your VM, and add Navigator's key if you have not yet.",
    'attendee.advice.tunnelClosed.title': 'The tunnel closed',
    'attendee.advice.tunnelClosed.body':
      'The tunnel from your VM to Navigator is gone (the command stopped, or the network dropped). Run the tunnel command again, or install it as a service so it reopens by itself.',
    'attendee.advice.tunnelSshdSilent.title': "The tunnel is open, but your VM's sshd does not answer",
    'attendee.advice.tunnelSshdSilent.body': 'Check that sshd runs on your VM (sudo systemctl status ssh) on the port you registered.',
    'attendee.tunnel.title': 'The tunnel from your VM',
    'attendee.tunnel.intro':
      "Your VM is behind NAT, so it opens the connection: plain OpenSSH (ssh -N -R), with Navigator's host key pinned. Navigator then logs in to your VM through it, as usual.",
    'attendee.tunnel.open': 'command that opens the tunnel (keep it running)',
    'attendee.tunnel.install': 'command that installs it as a service that reopens by itself (systemd, needs sudo)',
    'attendee.tunnel.refuses': 'The tunnel key opens only your tunnel: Navigator refuses it a shell, commands, and any other forwarding.',
    'attendee.tunnel.loading': 'Loading the tunnel commands…',
  },
  {
    'attendee.signedOut.endedTitle': 'ワークショップは終了しました',
    'attendee.signedOut.ended': 'この回のワークショップは終了しました。ナビゲーターが次の回を始めています。ご参加ありがとうございました！',
    'attendee.signedOut.removedTitle': 'ワークショップから外されました',
    'attendee.signedOut.removed':
      'ナビゲーターがあなたをこのワークショップから外したため、Navigator はもうあなたの VM を見ていません。間違いであれば、もう一度追加するようナビゲーターに頼んでください。',
    'attendee.signedOut.signInTitle': 'サインインが必要です',
    'attendee.signedOut.linkReissued': 'ナビゲーターが新しい個人用リンクを発行したため、このリンクはもう使えません。新しいリンクを開いてください。',
    'attendee.signedOut.signIn': 'このページを開くには個人用リンクが必要です。登録したときに受け取ったリンクを開いてください。',

    'attendee.loading': 'ページを読み込んでいます…',
    'attendee.header.eyebrow': 'あなたのワークショップページ',
    'attendee.header.greeting': 'こんにちは、{name}さん',
    'attendee.header.offline': 'オフライン · 再接続中…',
    'attendee.header.signOut': 'サインアウト',

    'attendee.hand.label': '助けを呼ぶ',
    'attendee.hand.upComing': '手を挙げています。{name}さんが向かっています。',
    'attendee.hand.upNavigatorComing': '手を挙げています。ナビゲーターが向かっています。',
    'attendee.hand.up': '手を挙げています。ナビゲーターが来るまでお待ちください。',
    'attendee.hand.message': '「{message}」',
    'attendee.hand.lower': '手を下ろす',
    'attendee.hand.placeholder': '困っていること（任意）',
    'attendee.hand.messageLabel': '困っていること',
    'attendee.hand.raise': '手を挙げる',

    'attendee.discussion.title': 'ディスカッション',
    'attendee.discussion.titleWithGroup': 'ディスカッション：{group}',
    'attendee.discussion.timer': 'ディスカッション',
    'attendee.discussion.presenting': '発表中：{group}',
    'attendee.discussion.upNext': '次の発表：<b>{group}</b>',
    'attendee.discussion.with': 'メンバー：{names}',
    'attendee.discussion.withNobody': 'ほかのメンバーはまだいません',
    'attendee.discussion.noGroup': 'まだグループに入っていません。ナビゲーターが割り振ります。',

    'attendee.progress.title': '進み具合',
    'attendee.progress.doneCount': '{total}ステップ中{done}ステップ完了',
    'attendee.progress.now': '現在：{title}',
    'attendee.progress.couldNotCheck': 'Navigator がチェックできませんでした（ステップの失敗ではありません）：',
    'attendee.progress.checkNow': '今すぐチェック',
    'attendee.progress.checkNeedsVm': 'チェックは Navigator が VM に接続してから実行されます（上の<em>あなたの VM</em>を参照）。',
    'attendee.progress.checking': 'チェック中…',
    'attendee.progress.checked': 'たった今チェックしました。',
    'attendee.progress.allDone': 'すべてのステップが完了しました。お疲れさまでした！',
    'attendee.progress.stepMinutes': '· {duration}',

    'attendee.vm.title': 'あなたの VM',
    'attendee.vm.seat': ' · {label}：{seat}',
    'attendee.vm.seatUnlabelled': ' · 座席：{seat}',
    'attendee.vm.keyReissued':
      '<b>Navigator はあなた専用の鍵を使うようになりました。</b>以前に追加した行はもう使えません。下の新しい行を追加してください（古い Navigator の行は削除してください）。',
    'attendee.vm.dedicatedLogin':
      '<b>おすすめ：VM 上でこれを一度だけ実行してください</b>（Navigator 用のログイン <code>{login}</code> をパスワードなし・sudo なしで作り、そこにあなたの鍵の行を追加します。そのあと、下の SSH ユーザーを <code>{login}</code> に変更してください）：',
    'attendee.vm.dedicatedLoginCommand': 'Navigator 専用のログインを作るコマンド',
    'attendee.vm.rootChecks':
      '<b>このワークショップの{count, plural, other {#件のチェック}}は、root しか読めないものを読みます</b>（{checks}）。上のログインには sudo がないため、許可するまで{count, plural, other {これらのチェック}}は「パスワードなしの sudo が必要」と表示します。次のコマンドで、Navigator のチェックをこの VM 上で root として実行できるようになります（チェックはシェルスクリプトなので、これより狭いルールでは足りません）。実行しなければ、{count, plural, other {それらのチェック}}だけが未回答のままになります：',
    'attendee.vm.rootChecksSeparator': '、',
    'attendee.vm.rootChecksCommand': 'Navigator のログインが root のチェックを実行できるようにするコマンド',
    'attendee.vm.ownAccountSudo':
      '代わりに自分のアカウントを使う場合は、パスワードなしの <code>sudo</code> が必要です（ほとんどのクラウドイメージの既定ユーザーは使えます）。',
    'attendee.vm.ownAccount': 'または、自分のアカウントに鍵を追加',
    'attendee.vm.installCommand': 'Navigator の鍵を追加するコマンド',
    'attendee.vm.authorizedKeysHint': 'または、この行を自分で <code>{file}</code> に追加してください：',
    'attendee.vm.authorizedKeysLine': 'authorized_keys に追加する行',
    'attendee.vm.keyScope':
      'この鍵はあなた専用です。Navigator はこの鍵で、ワークショップのチェックの実行と、VM の localhost にあるワークショップ用ポートの読み取りだけを行います（待ち受けポート、sftp、端末、エージェントや X11 の転送はできません）。',
    'attendee.vm.hostKeyChanged': 'Navigator が固定した鍵は <code>{pinned}</code> ですが、VM は現在 <code>{offered}</code> を提示しています。',
    'attendee.vm.hostKeyAsked': '依頼しました。ナビゲーターが 2 つの鍵を比べ、作り直した VM のものであれば新しい鍵を信頼します。',
    'attendee.vm.hostKeyRejected': 'ナビゲーターは新しい鍵を信頼しませんでした。もう一度依頼する前に、ナビゲーターと話してください。',
    'attendee.vm.hostKeyHowToCompare':
      'VM 上で <code>{command}</code> を実行すると鍵が表示されます。新しい鍵と一致すれば、信頼するようナビゲーターに依頼してください。',
    'attendee.vm.hostKeyRequest': 'VM を作り直しました：新しい鍵を信頼してもらう',
    'attendee.vm.hostKeyPinned': '固定済みのホスト鍵：<code>{fingerprint}</code>',
    'attendee.vm.retry': '今すぐ再試行',
    'attendee.vm.retrying': '再試行しています…',
    'attendee.vm.edit': 'VM の情報を変更',

    'attendee.edit.displayName': 'お名前',
    'attendee.edit.host': 'VM のアドレス',
    'attendee.edit.port': 'SSH ポート',
    'attendee.edit.sshUser': 'SSH ユーザー',
    'attendee.edit.secretGiven': '入力済み（空のままなら変更しません）',
    'attendee.edit.save': '保存',
    'attendee.edit.cancel': 'キャンセル',

    'attendee.advice.commandsBlocked.title': '接続済みですが、コマンドを実行できません',
    'attendee.advice.commandsBlocked.body':
      'Navigator はログインできますが、このアカウントはコマンドの代わりに別のものを実行します（sshd_config の ForceCommand、nologin シェル、または ~/.ssh/authorized_keys で Navigator の鍵の前にある command="…"）。そのため、ステップをチェックできません。通常のシェルを持つアカウントを使うか、Navigator の鍵に対するその制限を外してください。',
    'attendee.advice.commandsBlocked.bodyPrinted':
      'Navigator はログインできますが、このアカウントはコマンドの代わりに別のものを実行します（sshd_config の ForceCommand、nologin シェル、または ~/.ssh/authorized_keys で Navigator の鍵の前にある command="…"）。そのため、ステップをチェックできません。通常のシェルを持つアカウントを使うか、Navigator の鍵に対するその制限を外してください。アカウントの出力：「{printed}」',
    'attendee.advice.connected.title': '接続済み',
    'attendee.advice.connected.body': 'Navigator からあなたの VM が見えています。このページを開いたままにして、進み具合を確認してください。',
    'attendee.advice.connecting.title': 'VM に接続しています…',
    'attendee.advice.connecting.body': 'まだであれば、下の鍵を追加してください。Navigator は接続を試み続けます。',
    'attendee.advice.authRejected.title': '鍵がまだ登録されていません',
    'attendee.advice.authRejected.body':
      'VM は応答しましたが、まだ Navigator の鍵を受け付けていません。下のコマンドを VM 上で（登録した SSH ユーザーとして）実行し、数秒お待ちください。',
    'attendee.advice.refused.title': '接続が拒否されました',
    'attendee.advice.refused.body':
      'そのアドレスで応答はありましたが、SSH ポートで待ち受けているものがありません。ポート番号、sshd が動いていること（sudo systemctl status ssh）、ファイアウォールが拒否していないことを確認してください。',
    'attendee.advice.timeout.title': 'ホストに到達できないか、タイムアウトしました',
    'attendee.advice.timeout.body':
      'そのアドレスから応答がありません。アドレス（VM のパブリック IP を使ってください）、VM が起動していること、クラウドのファイアウォールやセキュリティグループがワークショップのネットワークからの SSH を許可していることを確認してください。',
    'attendee.advice.slowLink.title': '回線が低速です',
    'attendee.advice.slowLink.body':
      'VM は応答していますが、このネットワークではログインに Navigator の待ち時間より長くかかります。VM にも鍵にも問題はありません。Navigator は接続を試み続けます。{message}',
    'attendee.advice.dropped.title': 'sshd が接続を切断しています',
    'attendee.advice.dropped.body':
      'VM は接続を受け付けますが、最初の応答の前に閉じています。sshd がログインを拒否しています（同時接続が多すぎる：MaxStartups、または hosts.deny や fail2ban などのルール）。Navigator は接続を試み続けます。',
    'attendee.advice.lost.title': '接続が切れました',
    'attendee.advice.lost.body':
      'Navigator は VM に接続していましたが、接続が切れました（sshd の停止、VM の再起動、またはネットワークによる切断）。VM が起動していて sshd が動いていること（sudo systemctl status ssh）を確認してください。Navigator は再試行を続けます。',
    'attendee.advice.dns.title': 'DNS 名が見つかりません',
    'attendee.advice.dns.body': 'その名前は名前解決できません。入力ミスを確認するか、代わりに IP アドレスを使ってください。',
    'attendee.advice.hostKeyChanged.title': '固定したホスト鍵から変わっています',
    'attendee.advice.hostKeyChanged.body':
      'そのアドレスのマシンは Navigator が最初に見たものと違うため、Navigator はそこで何も実行しません。VM を作り直した場合は、新しい鍵を信頼するようナビゲーターに依頼してください（下記）。そうでなければナビゲーターに知らせてください。誰かが間に入っているおそれがあります。',
    'attendee.advice.addressRefused.title': '許可されていないアドレスです',
    'attendee.advice.addressRefused.body': 'Navigator はこの種類のアドレスには接続しません。',
    'attendee.advice.error.title': '接続できません',
    'attendee.advice.error.body': '予期しない SSH エラーが発生しました。Navigator は接続を試み続けます。',
    'attendee.advice.tunnelNotOpen.title': 'VM からトンネルを開いてください',
    'attendee.advice.tunnelNotOpen.body':
      'Navigator からは VM に接続できないため、VM から Navigator へトンネルを開きます：下のトンネルのコマンドを VM で実行し、まだなら Navigator の鍵も追加してください。',
    'attendee.advice.tunnelClosed.title': 'トンネルが閉じました',
    'attendee.advice.tunnelClosed.body':
      'VM から Navigator へのトンネルがなくなりました（コマンドが止まったか、ネットワークが切れました）。トンネルのコマンドをもう一度実行するか、自動で開き直すサービスとしてインストールしてください。',
    'attendee.advice.tunnelSshdSilent.title': 'トンネルは開いていますが、VM の sshd が応答しません',
    'attendee.advice.tunnelSshdSilent.body': '登録したポートで VM の sshd が動いているか確認してください（sudo systemctl status ssh）。',
    'attendee.tunnel.title': 'VM からのトンネル',
    'attendee.tunnel.intro':
      'VM は NAT の内側にあるので、接続は VM から開きます：通常の OpenSSH（ssh -N -R）で、Navigator のホスト鍵を固定します。Navigator はそのトンネルを通していつも通り VM にログインします。',
    'attendee.tunnel.open': 'トンネルを開くコマンド（実行したままにします）',
    'attendee.tunnel.install': '自動で開き直すサービスとしてインストールするコマンド（systemd、sudo が必要）',
    'attendee.tunnel.refuses': 'トンネルの鍵で開けるのはあなたのトンネルだけです：シェル、コマンド、その他の転送は Navigator が拒否します。',
    'attendee.tunnel.loading': 'トンネルのコマンドを読み込み中…',
  },
);
