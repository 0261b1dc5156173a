<?php
// The FastCGI connection this request came in on, as the kernel names it: the inode of every
// socket this php-fpm child holds that is not a listening one (/proc/net/unix flag
// __SO_ACCEPTCON, /proc/net/tcp state 0A). The NGX310 real-server test counts the distinct ones
// over several requests: one per request when nothing is reused, one in all when it is.
$listening = [];
foreach (['/proc/net/unix', '/proc/net/tcp', '/proc/net/tcp6'] as $table) {
    foreach (@file($table) ?: [] as $i => $line) {
        $f = preg_split('/\s+/', trim($line));
        if ($i === 0) {
            continue;
        }
        if ($table === '/proc/net/unix') {
            if (isset($f[6]) && (hexdec($f[3]) & 0x10000)) {
                $listening[$f[6]] = true;
            }
        } elseif (isset($f[9]) && $f[3] === '0A') {
            $listening[$f[9]] = true;
        }
    }
}
foreach (scandir('/proc/self/fd') as $fd) {
    $link = @readlink("/proc/self/fd/$fd");
    if ($link !== false && preg_match('/^socket:\[(\d+)\]$/', $link, $m) && !isset($listening[$m[1]])) {
        echo "conn {$m[1]}\n";
    }
}
