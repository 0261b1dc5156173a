//! What the reading walk does with one file, worked out on the reading threads.
//!
//! Within one file read in one context, nearly everything the reading walk does is fixed by the
//! file alone: each statement is dispatched in a context that follows from the file's (the
//! block above it), with the run's table unless the tree loaded a module. What depends on the
//! rest of the tree is rare: the `include` statements (what they read, in which order, cycles)
//! and the findings, which name the tree. So the walk's dispatching is done where the file is
//! parsed, on every core, for the context the file is evidently written for; the walk, which is
//! serial, then only visits the few statements where something happens ([`Loader::walk_file`]).
//! A file read in another context, or after a module changed the table, is walked statement by
//! statement as before: a plan is only ever a shortcut to the same result.
//!
//! Measured on the 2,000-server benchmark tree: the serial walk took 6.3 of about 55 ms, most of
//! it dispatching 64,000 statements whose parse trees were no longer in the cache.
//!
//! [`Loader::walk_file`]: super::Loader

use nginx_syntax::directives::{Context, Directives, DispatchError};
use nginx_syntax::{Directive, ParsedFile, Terminator};

use crate::handlers::dispatch_shape;

/// What the walk must do at one statement of a planned file.
#[derive(Debug)]
pub(super) enum Step {
    /// Read what an `include` names, in this context.
    Include(Context),
    /// nginx refuses the statement at dispatch (the walk reports it; an argument count that a
    /// template's placeholder may explain is judged there, with the file's kind).
    Refused(DispatchError),
    /// A `{` inside an entries body (`map`, `types`, ...): nginx's `unexpected "{"`.
    BraceInEntries,
}

/// The walk's steps through one file read in one context with one table.
#[derive(Debug)]
pub struct Plan {
    /// The context the file's top level is read in.
    pub(super) context: Context,
    /// The table it was dispatched with (its address: plans are made with the run's own).
    table: usize,
    /// Each step with the statement it is at: the indexes down from the file's top level
    /// (`path[starts[i]..starts[i + 1]]`).
    steps: Vec<Step>,
    starts: Vec<u32>,
    path: Vec<u32>,
}

impl Plan {
    /// The plan of `parsed` read in the context its first statement evidently belongs to (a
    /// `server {}` at the top: a file for `http`, as `conf.d/*.conf` and `sites-enabled/*` are;
    /// a `location` at the top: for `server`); `None` for any other file, which the walk reads
    /// statement by statement.
    pub fn evident(table: &Directives, src: &[u8], parsed: &ParsedFile) -> Option<Plan> {
        let first = parsed.directives.first()?;
        let context = match &*first.name.value(src) {
            b"server" if first.block.is_some() => Context::Http,
            b"location" if first.block.is_some() => Context::HttpServer,
            _ => return None,
        };
        let mut plan = Plan {
            context,
            table: table as *const Directives as usize,
            steps: Vec::new(),
            starts: vec![0],
            path: Vec::new(),
        };
        let mut at = Vec::new();
        plan.list(table, src, &parsed.directives, context, &mut at);
        Some(plan)
    }

    /// Whether the walk may follow this plan: reading the file in `context` with `table`.
    pub(super) fn fits(&self, context: Context, table: &Directives) -> bool {
        self.context == context && self.table == table as *const Directives as usize
    }

    /// The steps in reading order, each with its statement.
    pub(super) fn steps<'f>(
        &'f self,
        parsed: &'f ParsedFile,
    ) -> impl Iterator<Item = (&'f Directive, &'f Step)> + 'f {
        self.steps.iter().enumerate().filter_map(move |(i, step)| {
            let from = *self.starts.get(i)? as usize;
            let to = *self.starts.get(i + 1)? as usize;
            let mut idx = self.path.get(from..to)?.iter();
            let mut d = parsed.directives.get(*idx.next()? as usize)?;
            for &j in idx {
                d = d.block.as_ref()?.children.get(j as usize)?;
            }
            Some((d, step))
        })
    }

    fn push(&mut self, at: &[u32], step: Step) {
        self.path.extend_from_slice(at);
        self.starts.push(self.path.len() as u32);
        self.steps.push(step);
    }

    /// The walk's dispatching of `list` in `ctx` (`Loader::walk_list` without the tree).
    fn list(
        &mut self,
        table: &Directives,
        src: &[u8],
        list: &[Directive],
        ctx: Context,
        at: &mut Vec<u32>,
    ) {
        for (i, d) in list.iter().enumerate() {
            at.push(i as u32);
            let name = d.name.value(src);
            let name: &[u8] = &name;
            if ctx.is_entries() {
                if let (Some(_), Terminator::Block(_)) = (&d.block, d.terminator) {
                    self.push(at, Step::BraceInEntries);
                } else if name == b"include" && d.args.len() == 1 {
                    self.push(at, Step::Include(ctx));
                }
            } else if let Some((nargs, term)) = dispatch_shape(d) {
                match table.dispatch_known(ctx, d.known, name, nargs, term) {
                    Ok(_) if name == b"include" => self.push(at, Step::Include(ctx)),
                    Ok((_, Some(child))) => {
                        if let Some(b) = &d.block {
                            self.list(table, src, &b.children, child, at);
                        }
                    }
                    Ok((_, None)) => {}
                    Err(e) => self.push(at, Step::Refused(e)),
                }
            }
            at.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The steps of a plan, each as (statement name, what happens there).
    fn steps(src: &str) -> Option<(Context, Vec<(String, String)>)> {
        let table = Directives::builtin();
        let parsed = nginx_syntax::parse(src.as_bytes());
        let plan = Plan::evident(&table, src.as_bytes(), &parsed)?;
        assert!(plan.fits(plan.context, &table));
        assert!(!plan.fits(plan.context, &Directives::for_version((1, 22, 1))));
        let list = plan
            .steps(&parsed)
            .map(|(d, s)| {
                let what = match s {
                    Step::Include(c) => format!("include in {}", c.as_str()),
                    Step::Refused(e) => format!("{e:?}"),
                    Step::BraceInEntries => "brace".to_string(),
                };
                (d.name.text(src.as_bytes()).into_owned(), what)
            })
            .collect();
        Some((plan.context, list))
    }

    #[test]
    fn a_file_of_servers_is_planned_for_http_and_only_its_eventful_statements_are_kept() {
        let (ctx, list) = steps(
            "# site\nserver {\n listen 80;\n include a.conf;\n sendfile on off;\n\
             location / { include b.conf; nosuch; types { a b; c { } } }\n}\n",
        )
        .expect("planned");
        assert_eq!(ctx, Context::Http);
        let want = [
            ("include", "include in server"),
            ("sendfile", "InvalidArgCount"),
            ("include", "include in location"),
            (
                "nosuch",
                "Unknown { suggestion: None, set: None, module_file: None }",
            ),
            ("c", "brace"),
        ];
        let got: Vec<(&str, &str)> = list.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(got, want);
        let (ctx, _) = steps("location /x { }\n").expect("planned");
        assert_eq!(ctx, Context::HttpServer);
        assert!(steps("events {}\nhttp {}\n").is_none());
        assert!(steps("server 127.0.0.1:9000;\n").is_none());
        assert!(steps("").is_none());
    }
}
