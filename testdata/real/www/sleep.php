<?php
// sleep.php?s=N answers after N seconds (at most 10). It leaves a mark in ../started/ as it
// begins, so a test knows its request runs in a worker.
$s = min(10, max(0, (int) ($_GET['s'] ?? 1)));
@touch(__DIR__ . '/../started/' . getmypid() . '-' . hrtime(true));
sleep($s);
echo "slept {$s}s\n";
