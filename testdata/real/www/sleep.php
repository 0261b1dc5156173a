<?php
// sleep.php?s=N answers after N seconds (at most 10).
$s = min(10, max(0, (int) ($_GET['s'] ?? 1)));
sleep($s);
echo "slept {$s}s\n";
