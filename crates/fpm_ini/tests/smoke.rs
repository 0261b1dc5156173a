mod common;
#[test]
#[ignore]
fn dump_shared_corpus() {
    for f in std::fs::read_to_string("/tmp/fpmlist").unwrap().lines() {
        let c = common::load_at(std::path::Path::new(f), std::path::Path::new("/usr"));
        println!("== {f}");
        for d in &c.diagnostics {
            let (l, col) = c.files[d.file].line_col(d.span.start);
            println!("  {}:{l}:{col} {:?} {} [{}] {:?}", c.files[d.file].path.display(), d.severity, d.message, d.code, common::span_text(&c, d));
        }
    }
}
