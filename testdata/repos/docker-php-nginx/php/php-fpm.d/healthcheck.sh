#!/bin/sh
# Asks the pool's ping page; used by the container's HEALTHCHECK.
exec cgi-fcgi -bind -connect 127.0.0.1:9000
