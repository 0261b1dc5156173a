//! `load_module`: nginx appends a dynamic module to `ngx_modules[]` while it reads the main
//! context, so the directives of a known module set become known from that line on, in that
//! configuration only. Debian and Ubuntu load their `libnginx-mod-*` packages through
//! `include /etc/nginx/modules-enabled/*.conf;`, whose links point into `/usr/share/nginx`,
//! outside most configuration repositories: a snippet that cannot be read is known by its name.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nginx_syntax::directives::Directives;
use nginx_syntax::Directive;
use ngxlint_vfs::has_glob_chars;

use super::Loader;
use crate::diagnostic::{Diagnostic, Severity};
use crate::files::FileId;

/// The modules one tree has loaded so far.
#[derive(Debug, Default)]
pub(super) struct TreeModules {
    /// The run's table with the tree's modules added; `None` until a module adds something.
    table: Option<Directives>,
    /// An `events`, `http`, `stream`, `mail` or `rtmp` block has been read: nginx has counted
    /// the modules (`ngx_count_modules`) and refuses any later `load_module`.
    counted: bool,
    /// The table changed since [`TreeModules::take_changed`] last asked.
    changed: bool,
    /// The objects loaded so far (their file names).
    objects: Vec<Vec<u8>>,
}

impl TreeModules {
    /// The table statements of this tree are dispatched with.
    pub(super) fn table<'t>(&'t self, base: &'t Directives) -> &'t Directives {
        self.table.as_ref().unwrap_or(base)
    }

    /// Whether the table changed since the last call.
    pub(super) fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// Records the object `load_module FILE` (or a snippet named FILE) loads: the name of its
    /// first module when it was loaded already (nginx refuses it).
    fn loaded_twice(&mut self, file: &[u8]) -> Option<String> {
        let (object, first) = nginx_syntax::directives::module_object(file)?;
        if self.objects.contains(&object) {
            return Some(first);
        }
        self.objects.push(object);
        None
    }

    /// What `load_module FILE` (or a snippet named FILE) loads, added to the table.
    fn load(&mut self, base: &Directives, file: &[u8]) {
        let set = Directives::set_for_module_file(file);
        if set.is_none_or(|s| s == nginx_syntax::directives::BUILTIN_SET) {
            return;
        }
        self.table
            .get_or_insert_with(|| base.clone())
            .load_module_file(file);
        self.changed = true;
    }
}

impl Loader<'_> {
    /// A statement nginx accepted in the main context: a `load_module` loads its module, an
    /// `include` of module snippets loads those it cannot read, a subsystem block ends loading.
    pub(super) fn main_statement(&mut self, file: FileId, d: &Directive, name: &[u8]) {
        match name {
            b"load_module" => self.load_module(file, d),
            b"include" => self.module_snippets(file, d),
            b"events" | b"http" | b"stream" | b"mail" | b"rtmp" if d.block.is_some() => {
                self.modules.counted = true;
            }
            _ => {}
        }
    }

    fn load_module(&mut self, file: FileId, d: &Directive) {
        let Some(arg) = d.args.first() else { return };
        if self.modules.counted {
            self.emit(
                Diagnostic::new(
                    "NGX003",
                    "directive-not-allowed-here",
                    Severity::Error,
                    file,
                    d.name.span,
                    "\"load_module\" directive is specified too late",
                )
                .with_help("move `load_module` above the `events`, `http`, `stream` and `mail` blocks: nginx loads modules before it reads them")
                .at_nginx(d.terminator.offset()),
            );
            return;
        }
        let value = arg.value(&self.files.get(file).bytes).into_owned();
        if let Some(module) = self.modules.loaded_twice(&value) {
            // ngx_load_module: each module of the object is compared with those loaded.
            self.emit(
                Diagnostic::new(
                    "NGX013",
                    "duplicate-directive",
                    Severity::Error,
                    file,
                    arg.span,
                    format!("module \"{module}\" is already loaded"),
                )
                .with_help("load each module once: a `modules-enabled` snippet and a `load_module` line of the main configuration may name the same object")
                .at_nginx(d.terminator.offset()),
            );
            return;
        }
        self.modules.load(self.directives, &value);
    }

    /// The snippets an `include` names that are not in the tree, loaded by their names
    /// (`50-mod-http-echo.conf`); those it read have had their own `load_module` lines read.
    fn module_snippets(&mut self, file: FileId, d: &Directive) {
        let Some(arg) = d.args.first() else { return };
        let value = arg.value(&self.files.get(file).bytes).into_owned();
        let rel = Path::new(OsStr::from_bytes(&value));
        let path = if rel.is_absolute() {
            rel.to_path_buf()
        } else {
            self.conf_prefix.join(rel)
        };
        let candidates = if has_glob_chars(&value) {
            match self.vfs.glob(&path) {
                Ok(matches) => matches
                    .into_iter()
                    .filter(|m| !m.is_dir)
                    .map(|m| m.path)
                    .collect(),
                Err(_) => Vec::new(),
            }
        } else {
            vec![path]
        };
        for p in candidates {
            let Some(name) = p.file_name() else { continue };
            if Directives::set_for_module_file(name.as_bytes()).is_some()
                && self.vfs.canonical(&p).is_err()
            {
                self.modules.loaded_twice(name.as_bytes());
                self.modules.load(self.directives, name.as_bytes());
            }
        }
    }
}
