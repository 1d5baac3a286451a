/**
 * The command vocabulary of the shell judge: what a resolved command word names. The judge decides on the
 * token sequence (separator, command word, arguments); these tables only say whether a word is a program an
 * attacker runs, and whether it is also an ordinary word of text (then it needs argument-shaped followers).
 */

/** Programs whose name is not a word of ordinary text (POSIX, Windows and PowerShell). */
const STRONG = (
  // POSIX and common tools
  'whoami uname ifconfig wget curl nc ncat netcat bash sh zsh ksh csh dash tcsh rbash python python2 python3 perl ruby ' +
  'php lua nslookup telnet ssh scp sftp tftp chmod chown chgrp rm rmdir mkfifo mknod busybox netstat xterm sudo useradd ' +
  'usermod userdel groupadd crontab nohup base64 base32 xxd hexdump awk gawk nawk mawk sed xargs socat openssl ls pwd ' +
  'printenv getent nmap egrep fgrep grep hostname passwd shutdown reboot halt poweroff killall pkill tar unzip gunzip ' +
  'bzip2 gcc chattr lsattr dmesg lsof strace ltrace gdb objdump readelf lscpu lsblk fdisk umount iptables ufw systemctl ' +
  'journalctl yum dnf rpm dpkg nodejs jshell rlogin rsh finger whois traceroute tracepath arp ' +
  'tcpdump tshark pgrep pidof uptime ulimit sysctl modprobe insmod chroot setuid setsid mktemp wall ncat.exe ' +
  'sqlite3 mysql psql mysqldump nmcli iwconfig ipcalc sshpass cryptsetup dd shred wipe tac nl rev hd strings ' +
  // Windows
  'cmd ipconfig systeminfo tasklist taskkill netsh wmic certutil bitsadmin mshta rundll32 regsvr32 cscript wscript ' +
  'msiexec schtasks icacls cacls attrib findstr qwinsta quser nbtstat vssadmin bcdedit wevtutil net1 cmdkey runas ' +
  'reg.exe sc.exe at.exe forfiles wmiexec psexec mimikatz calc notepad explorer winrm winrs dsquery nltest csc ' +
  'msbuild installutil regasm regsvcs odbcconf cmstp esentutl expand extrac32 hh ieexec makecab replace.exe ' +
  // PowerShell
  'powershell pwsh iex iwr irm icm saps gci gcm gwmi gcim sal nal ipmo ' +
  'invoke-expression invoke-webrequest invoke-restmethod invoke-command invoke-item invoke-wmimethod invoke-cimmethod ' +
  'start-process start-bitstransfer new-object set-mppreference add-mppreference set-executionpolicy get-wmiobject ' +
  'get-ciminstance get-childitem get-content set-content add-content out-file remove-item copy-item move-item new-item ' +
  'get-itemproperty set-itemproperty new-itemproperty get-process stop-process get-service stop-service new-service ' +
  'test-connection test-netconnection resolve-dnsname get-acl set-acl get-localuser new-localuser add-localgroupmember ' +
  'get-netfirewallrule new-netfirewallrule set-netfirewallprofile register-scheduledtask new-scheduledtaskaction ' +
  'get-clipboard get-credential get-history clear-history import-module expand-archive compress-archive ' +
  'convertto-securestring convertfrom-securestring get-aduser get-adcomputer get-adgroupmember get-hotfix get-computerinfo ' +
  'invoke-mimikatz invoke-shellcode get-psdrive new-psdrive get-variable set-alias new-alias get-filehash ' +
  'start-job receive-job enter-pssession new-pssession set-location get-location write-output write-host'
).split(' ');

/** Programs whose name is also a word of text: they count only with argument-shaped followers. */
const WEAK = (
  'cat id more less head tail find sort type dir net echo ping sleep kill who set time date which env file man top ' +
  'last touch wc cut tr uniq tee ps od dig node reg source su mail print start call copy del erase move ren rename ver ' +
  'vol path eval exec exit export alias history read test wait open ln cp mv mkdir diff patch make java host ip ' +
  'route mount service watch timeout nice split join paste fold look write cal bc expr seq yes script screen tmux ' +
  'sc at query tree mode format label title color cls pushd popd shift goto for if rd md chdir cd unset trap logger ' +
  'whereis locate stat file du df free nohup command builtin declare local printf fc jobs bg fg disown nc.exe npm npx pip ' +
  'pip3 yarn apt apt-get brew gem cargo go docker kubectl git make'
).split(' ');

export const KNOWN_NONE = 0, KNOWN_WEAK = 1, KNOWN_STRONG = 2;

const known = new Map<string, number>();
for (const w of WEAK) known.set(w, KNOWN_WEAK);
for (const w of STRONG) known.set(w, KNOWN_STRONG);

/**
 * PowerShell's approved verbs: `Verb-Noun` with one of them is a cmdlet name even when we do not list the
 * cmdlet. Alone that is weak ("Get-Started", "Set-Cookie" are text too); with a parameter it is a cmdlet call.
 */
const PS_VERBS = new Set((
  'add approve assert backup block build checkpoint clear close compare complete compress confirm connect convert ' +
  'convertfrom convertto copy debug deny deploy disable disconnect dismount edit enable enter exit expand export find ' +
  'format get grant group hide import initialize install invoke join limit lock measure merge mount move new open ' +
  'optimize out ping pop protect publish push read receive redo register remove rename repair request reset resize ' +
  'resolve restart restore resume revoke save search select send set show skip split start step stop submit suspend ' +
  'switch sync test trace unblock undo uninstall unlock unprotect unpublish unregister update use wait watch write'
).split(' '));

/** Known-ness of a resolved (lower-case, path-stripped) command name. */
export function knownCommand(name: string): number {
  const k = known.get(name);
  if (k !== undefined) return k;
  const dash = name.indexOf('-');
  if (dash > 1 && dash < name.length - 2 && PS_VERBS.has(name.slice(0, dash))) {
    for (let i = dash + 1; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c < 97 || c > 122) return KNOWN_NONE;
    }
    return KNOWN_WEAK;
  }
  return KNOWN_NONE;
}

/** Names a glob in command position is matched against (basename patterns like `ca?` or `/???/??t`). */
export const GLOB_TARGETS: readonly string[] = [
  'cat', 'id', 'ls', 'sh', 'bash', 'nc', 'wget', 'curl', 'whoami', 'uname', 'python', 'perl', 'php', 'echo', 'ping', 'sleep',
  'rm', 'chmod', 'tail', 'head', 'more', 'less', 'base64', 'nslookup', 'telnet', 'netcat', 'dash', 'zsh', 'busybox', 'env',
];

/** Folders of a command path whose glob spelling (`/b??/`, `/u*r/b?n/`) we resolve. */
export const GLOB_DIRS: readonly string[] = ['bin', 'usr', 'sbin', 'local', 'etc', 'tmp', 'dev', 'proc', 'var'];

/**
 * System files and devices as arguments: reading them is the point of the attack, and text rarely names
 * them as a command's argument. Compared lower-case, with any leading path removed up to the match.
 */
export const SENSITIVE_ARGS: readonly string[] = [
  '/etc/passwd', '/etc/shadow', '/etc/group', '/etc/hosts', '/etc/issue', '/etc/sudoers', '/etc/master.passwd', '/etc/pwd.db',
  '/proc/self/', '/proc/version', '/dev/tcp/', '/dev/udp/', '/bin/sh', '/bin/bash', '/bin/zsh', '/bin/dash', '/bin/busybox',
  '.bash_history', '.ssh/', 'id_rsa', 'win.ini', 'boot.ini', 'system.ini', '\\windows\\system32', 'system32\\', '/var/log/',
  '/var/run/secrets', '/root/', '.aws/credentials', '.htpasswd', 'wp-config.php',
];
