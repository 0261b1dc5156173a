<?php
echo "php ok\n";
