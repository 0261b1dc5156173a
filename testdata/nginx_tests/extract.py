#!/usr/bin/env python3
"""Extracts the nginx.conf of each nginx-tests script (github.com/nginx/nginx-tests) the way its
Test::Nginx::write_file_expand writes it, with the test directory as the nginx prefix (`.`), and
keeps those the installed `nginx -t` accepts as they are: the sources of the handler mutation
test (crates/cli/tests/nginx_handlers.rs, `nginx_tests_mutations_agree_with_nginx`).

    python3 testdata/nginx_tests/extract.py NGINX_TESTS_CHECKOUT testdata/nginx_tests
"""
import os, re, shutil, subprocess, sys, tempfile

src, out = sys.argv[1], sys.argv[2]
GLOBALS = "pid ./nginx.pid;\nerror_log ./error.log debug;\n"
GLOBALS_HTTP = ("root .;\naccess_log ./access.log;\nclient_body_temp_path ./client_body_temp;\n"
                "fastcgi_temp_path ./fastcgi_temp;\nproxy_temp_path ./proxy_temp;\n"
                "uwsgi_temp_path ./uwsgi_temp;\nscgi_temp_path ./scgi_temp;\n")


def expand(text):
    text = text.replace("%%TEST_GLOBALS%%", GLOBALS)
    text = text.replace("%%TEST_GLOBALS_HTTP%%", GLOBALS_HTTP)
    text = text.replace("%%TEST_GLOBALS_STREAM%%", "")
    text = text.replace("%%TESTDIR%%", ".")
    text = re.sub(r"%%PORT_(\d+)_UDP%%", r"\1", text)
    return re.sub(r"%%PORT_(\d+)%%", r"\1", text)


def configs(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    for m in re.finditer(r"write_file_expand\('nginx\.conf',\s*<<'EOF'\);\n(.*?)\nEOF\n", text, re.S):
        yield expand(m.group(1)) + "\n"


# Debian backports max_headers (upstream 1.29.8) into its 1.22.1, as a module of its own: upstream
# 1.22.1, which the checks follow, has no such directive.
SKIP = {"http_max_headers"}

# Where Debian's stream module is (`.ci/run` extracts it; NGXLINT_NGINX_MODULES): configurations
# with a `stream` block are tried with it loaded.
STREAM_DIR = os.environ.get("NGXLINT_NGINX_MODULES", "")
if STREAM_DIR and not os.path.isfile(os.path.join(STREAM_DIR, "ngx_stream_module.so")):
    STREAM_DIR = ""


def accepted(conf):
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(conf.replace("modules/ngx_stream_module.so",
                                 os.path.join(STREAM_DIR, "ngx_stream_module.so")))
        r = subprocess.run(["nginx", "-t", "-q", "-p", d + "/", "-c", os.path.join(d, "nginx.conf")],
                           capture_output=True)
    return r.returncode == 0


kept = total = 0
for name in sorted(os.listdir(src)):
    if not name.endswith(".t"):
        continue
    for i, conf in enumerate(configs(os.path.join(src, name))):
        case = name[:-2] + ("" if i == 0 else f"-{i + 1}")
        total += 1
        if case in SKIP:
            continue
        ok = accepted(conf)
        if not ok and STREAM_DIR and re.search(r"^stream\s*\{", conf, re.M):
            # Debian builds the stream module as a dynamic module: load it as its
            # modules-enabled/50-mod-stream.conf does (the test loads Debian's build).
            conf = "load_module modules/ngx_stream_module.so;\n" + conf
            ok = accepted(conf)
        if not ok:
            continue
        os.makedirs(os.path.join(out, case), exist_ok=True)
        with open(os.path.join(out, case, "nginx.conf"), "w") as f:
            f.write(conf)
        kept += 1
print(f"{kept} of {total} configurations kept (nginx -t accepts them)")
