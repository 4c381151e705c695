//! The index as a Rust library: fixture projects written to a temporary
//! folder, indexed, and queried with exact positions.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use argus_index::{check_project, Project, Queries};

/// A project folder that removes itself.
struct Fixture {
    root: PathBuf,
}

impl Fixture {
    fn new(files: &[(&str, &str)]) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "argus-it-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        for (rel, text) in files {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
        }
        let root = root.canonicalize().unwrap();
        Self { root }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Indexed with the typeshed stdlib stubs the wheel ships (builtins).
    fn index(&self) -> Project {
        let typeshed = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../python/ouroboros/argus/typeshed/stdlib")
            .canonicalize()
            .expect("the vendored typeshed stubs");
        Project::index(vec![self.root.clone()], vec![typeshed])
    }

    /// 1-based line and column of the `nth` occurrence of `needle` in a file,
    /// shifted `shift` characters to the right.
    fn pos(&self, rel: &str, needle: &str, nth: usize, shift: u32) -> (u32, u32) {
        let text = std::fs::read_to_string(self.path(rel)).unwrap();
        let mut seen = 0;
        for (i, line) in text.lines().enumerate() {
            let mut from = 0;
            while let Some(at) = line[from..].find(needle) {
                if seen == nth {
                    let col = line[..from + at].chars().count();
                    return (
                        u32::try_from(i + 1).unwrap(),
                        u32::try_from(col + 1).unwrap() + shift,
                    );
                }
                seen += 1;
                from += at + needle.len();
            }
        }
        panic!("{needle:?} occurs fewer than {} times in {rel}", nth + 1);
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

const BASE: &str = "\
class Shape:
    \"\"\"Anything with an area.\"\"\"

    def __init__(self, name: str) -> None:
        self.name = name

    def area(self) -> float:
        \"\"\"The area in square units.\"\"\"
        return 0.0


def biggest(shapes: list[Shape]) -> Shape | None:
    return shapes[0] if shapes else None
";

const USER: &str = "\
from geo.base import Shape as S, biggest


def report(items: list[S]) -> float:
    best = biggest(items)
    if best is not None:
        return best.area()
    return 0.0


square = S(\"square\")
square.area()
";

fn geo() -> Fixture {
    Fixture::new(&[
        ("geo/__init__.py", ""),
        ("geo/base.py", BASE),
        ("app/__init__.py", ""),
        ("app/user.py", USER),
    ])
}

#[test]
fn definition_follows_an_aliased_import_across_files() {
    let f = geo();
    let project = f.index();
    let q = Queries::new(&project);
    let (line, col) = f.pos("app/user.py", "S(\"square\")", 0, 0);
    let (file, offset) = q.position(&f.path("app/user.py"), line, col).unwrap();
    let found = q.definition(file, offset);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, f.path("geo/base.py"));
    assert_eq!(
        (found[0].line, found[0].column),
        f.pos("geo/base.py", "Shape", 0, 0)
    );
}

#[test]
fn references_include_attribute_uses_on_typed_receivers() {
    let f = geo();
    let project = f.index();
    let q = Queries::new(&project);
    let (line, col) = f.pos("geo/base.py", "def area", 0, 4);
    let (file, offset) = q.position(&f.path("geo/base.py"), line, col).unwrap();
    let mut got: Vec<(PathBuf, u32, u32)> = q
        .references(file, offset, true)
        .into_iter()
        .map(|l| (l.path, l.line, l.column))
        .collect();
    got.sort();
    let mut want = vec![
        (f.path("geo/base.py"), line, col),
        tuple(&f, "app/user.py", f.pos("app/user.py", "best.area", 0, 5)),
        tuple(&f, "app/user.py", f.pos("app/user.py", "square.area", 0, 7)),
    ];
    want.sort();
    assert_eq!(got, want);
}

fn tuple(f: &Fixture, rel: &str, (line, col): (u32, u32)) -> (PathBuf, u32, u32) {
    (f.path(rel), line, col)
}

#[test]
fn hover_shows_signature_and_docstring() {
    let f = geo();
    let project = f.index();
    let q = Queries::new(&project);
    let (line, col) = f.pos("app/user.py", "best.area", 0, 5);
    let (file, offset) = q.position(&f.path("app/user.py"), line, col).unwrap();
    let hover = q.hover(file, offset).expect("hover on a method");
    assert_eq!(
        hover.text,
        "(method) def area(self) -> float\n\nThe area in square units."
    );
    assert_eq!(hover.doc.as_deref(), Some("The area in square units."));
    let loc = hover.location.unwrap();
    assert_eq!(loc.path, f.path("geo/base.py"));
}

#[test]
fn optional_is_narrowed_by_an_is_not_none_check() {
    let f = geo();
    let project = f.index();
    let q = Queries::new(&project);
    let before = f.pos("app/user.py", "best = ", 0, 0);
    let inside = f.pos("app/user.py", "best.area", 0, 0);
    let (file, offset) = q
        .position(&f.path("app/user.py"), before.0, before.1)
        .unwrap();
    assert_eq!(q.type_at(file, offset).as_deref(), Some("Shape | None"));
    let (file, offset) = q
        .position(&f.path("app/user.py"), inside.0, inside.1)
        .unwrap();
    assert_eq!(q.type_at(file, offset).as_deref(), Some("Shape"));
}

#[test]
fn diagnostics_name_each_problem_with_its_position() {
    let f = Fixture::new(&[
        ("pkg/__init__.py", ""),
        (
            "pkg/lib.py",
            "def pair(a: int, b: int) -> int:\n    return a + b\n",
        ),
        (
            "pkg/bad.py",
            "import does_not_exist\nfrom pkg.lib import pair\n\npair(1)\nprint(undefined_thing)\n",
        ),
    ]);
    let project = f.index();
    let mut got: Vec<(String, u32, u32, &str)> = check_project(&project)
        .into_iter()
        .map(|d| {
            (
                d.path.strip_prefix(&f.root).unwrap().display().to_string(),
                d.line,
                d.column,
                d.code,
            )
        })
        .collect();
    got.sort();
    let bad = |needle: &str| f.pos("pkg/bad.py", needle, 0, 0);
    let mut want = vec![
        (
            "pkg/bad.py".to_owned(),
            bad("does_not_exist").0,
            bad("does_not_exist").1,
            "unresolved-import",
        ),
        (
            "pkg/bad.py".to_owned(),
            bad("pair(1)").0,
            bad("pair(1)").1,
            "wrong-arity",
        ),
        (
            "pkg/bad.py".to_owned(),
            bad("undefined_thing").0,
            bad("undefined_thing").1,
            "undefined-name",
        ),
    ];
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn an_unsaved_edit_moves_the_definition_and_a_broken_file_still_indexes() {
    let f = geo();
    let mut project = f.index();
    let moved = format!("\n\n\n{BASE}def broken(:\n");
    assert!(project.update_source(&f.path("geo/base.py"), moved));
    let q = Queries::new(&project);
    let (line, col) = f.pos("app/user.py", "S(\"square\")", 0, 0);
    let (file, offset) = q.position(&f.path("app/user.py"), line, col).unwrap();
    let found = q.definition(file, offset);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].line, f.pos("geo/base.py", "Shape", 0, 0).0 + 3);
    let file = q.position(&f.path("geo/base.py"), 1, 1).unwrap().0;
    let names: Vec<String> = q
        .document_symbols(file)
        .into_iter()
        .filter(|s| s.container.is_none())
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["Shape", "biggest", "broken"]);
    let broken_line = BASE.lines().count() + 4;
    let diags = q.diagnostics(file);
    assert!(!diags.is_empty());
    for d in diags {
        // At the broken line, or at the end of the file right after it.
        assert_eq!(d.code, "syntax-error", "{d:?}");
        assert!(
            (broken_line..=broken_line + 1).contains(&(d.line as usize)),
            "{d:?}"
        );
    }
}

#[test]
fn a_deleted_file_leaves_the_index_and_its_importers_report_it() {
    let f = geo();
    let mut project = f.index();
    std::fs::remove_file(f.path("geo/base.py")).unwrap();
    assert!(project.update(&f.path("geo/base.py")));
    let codes: Vec<&str> = check_project(&project)
        .into_iter()
        .map(|d| d.code)
        .collect();
    assert_eq!(codes, ["unresolved-import"]);
    let q = Queries::new(&project);
    assert!(q.position(&f.path("geo/base.py"), 1, 1).is_none());
}

#[test]
fn workspace_symbols_rank_exact_matches_first() {
    let f = geo();
    let project = f.index();
    let q = Queries::new(&project);
    let got: Vec<(String, String)> = q
        .workspace_symbols("shape", 10)
        .into_iter()
        .map(|s| (s.name, s.kind))
        .collect();
    assert_eq!(got[0], ("Shape".to_owned(), "class".to_owned()));
    assert!(q.workspace_symbols("shape", 0).is_empty());
}

#[test]
fn calling_a_callable_annotated_value_gives_its_return_type() {
    let f = Fixture::new(&[(
        "cb.py",
        "\
from collections.abc import Callable as C
from typing import Callable


def make(k: int) -> str:
    return str(k)


handler: Callable[[int], str] = make
result = handler(1)


def run(cb: C[[], bytes], maybe: Callable[..., int] | None) -> None:
    out = cb()
    if maybe is not None:
        number = maybe()
",
    )]);
    let project = f.index();
    let q = Queries::new(&project);
    let type_of = |needle: &str| {
        let (line, col) = f.pos("cb.py", needle, 0, 0);
        let (file, offset) = q.position(&f.path("cb.py"), line, col).unwrap();
        q.type_at(file, offset)
    };
    assert_eq!(type_of("result =").as_deref(), Some("str"));
    assert_eq!(type_of("out =").as_deref(), Some("bytes"));
    assert_eq!(type_of("number =").as_deref(), Some("int"));
    assert_eq!(type_of("cb:").as_deref(), Some("Callable[..., bytes]"));
}

#[test]
fn typed_dict_keys_have_their_declared_types() {
    let f = Fixture::new(&[(
        "td.py",
        "\
from typing import NotRequired, TypedDict


class Movie(TypedDict):
    title: str
    year: NotRequired[int]


class Sequel(Movie):
    previous: Movie


def show(m: Sequel, key: str) -> None:
    title = m[\"title\"]
    year = m[\"year\"]
    earlier = m[\"previous\"][\"title\"]
    other = m[key]
    missing = m[\"nope\"]
",
    )]);
    let project = f.index();
    let q = Queries::new(&project);
    let type_of = |needle: &str| {
        let (line, col) = f.pos("td.py", needle, 0, 0);
        let (file, offset) = q.position(&f.path("td.py"), line, col).unwrap();
        q.type_at(file, offset)
    };
    assert_eq!(type_of("title =").as_deref(), Some("str"));
    assert_eq!(type_of("year =").as_deref(), Some("int"));
    assert_eq!(type_of("earlier =").as_deref(), Some("str"));
    assert_eq!(type_of("other =").as_deref(), Some("Unknown"));
    assert_eq!(type_of("missing =").as_deref(), Some("Unknown"));
}
