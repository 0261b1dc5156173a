<?php
// A ~20 KB response header: more than the default 4k fastcgi_buffer_size, less than 32k.
header('Set-Cookie: big=' . str_repeat('a', 20000));
echo "big header sent\n";
