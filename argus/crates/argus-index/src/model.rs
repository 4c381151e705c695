//! The per-file semantic model: definitions, scopes, uses and calls.
//!
//! A file's model is built once from its syntax tree (see `collect.rs`) and
//! never refers to another file: names are kept unresolved, as small value
//! expressions (`VExpr`), and resolved lazily at query time. That is what
//! makes an incremental update cheap: re-collect one file, swap it in.

use std::path::PathBuf;

use ruff_python_ast::name::Name;
use ruff_text_size::{TextRange, TextSize};
use rustc_hash::FxHashMap;

use crate::lines::LineIndex;

pub type FileId = u32;
pub type DefId = u32;
pub type ScopeId = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DefKind {
    Class,
    Function,
    Method,
    Parameter,
    Variable,
    /// `self.name = ...` inside a method: an instance attribute of the class.
    Attribute,
    /// A name bound by `import` / `from ... import`.
    Import,
    TypeParam,
}

impl DefKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Class => "class",
            Self::Function => "function",
            Self::Method => "method",
            Self::Parameter => "parameter",
            Self::Variable => "variable",
            Self::Attribute => "attribute",
            Self::Import => "import",
            Self::TypeParam => "type_param",
        }
    }
}

/// What an import binding points at (module names already absolute).
#[derive(Debug, Clone)]
pub enum ImportTarget {
    /// `import a.b.c` binds `a` (to module `a`); `import a.b as c` binds `c` to `a.b`.
    Module(String),
    /// `from m import name [as alias]`.
    Member { module: String, name: Name },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    PositionalOnly,
    Normal,
    VarArgs,
    KeywordOnly,
    KwArgs,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: Name,
    pub kind: ParamKind,
    pub has_default: bool,
    pub ann: Option<VExpr>,
}

#[derive(Debug, Clone, Default)]
pub struct Signature {
    pub params: Vec<Param>,
    pub returns: Option<VExpr>,
    /// Values of `return` statements, for functions without an annotation.
    pub return_values: Vec<VExpr>,
    pub is_async: bool,
    pub is_generator: bool,
    /// `def f(...) -> R` rendered from the source (whitespace collapsed).
    pub text: String,
}

/// Decorator facts that change how a function is called or looked up.
#[derive(Debug, Clone, Copy, Default)]
#[allow(clippy::struct_excessive_bools)] // independent flags, read one at a time
pub struct Decorations {
    pub staticmethod: bool,
    pub classmethod: bool,
    pub property: bool,
    pub overload: bool,
    /// Any other decorator: the signature may be rewritten, so arity is not checked.
    pub other: bool,
}

#[derive(Debug, Clone)]
pub struct Def {
    pub name: Name,
    pub kind: DefKind,
    /// The range of the name itself (what go-to-definition lands on).
    pub range: TextRange,
    /// The whole statement (class/def body included).
    pub full: TextRange,
    /// The scope the name is bound in.
    pub scope: ScopeId,
    /// The scope a class or function opens.
    pub body: Option<ScopeId>,
    pub ann: Option<VExpr>,
    pub value: Option<VExpr>,
    pub doc: Option<Box<str>>,
    pub sig: Option<Box<Signature>>,
    pub bases: Vec<VExpr>,
    /// PEP 695 or `Generic[...]` type parameter names of a class.
    pub type_params: Vec<Name>,
    pub import: Option<ImportTarget>,
    /// Enclosing class or function definition.
    pub parent: Option<DefId>,
    pub deco: Decorations,
    /// The class has a `metaclass=` keyword or decorators (constructor arity unknown).
    pub opaque_ctor: bool,
    /// Bound inside `try:` guarded by `except ImportError` (no diagnostic when missing).
    pub optional: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Class,
    Function,
    Lambda,
    Comprehension,
}

#[derive(Debug, Clone)]
pub struct Scope {
    pub kind: ScopeKind,
    pub parent: Option<ScopeId>,
    pub range: TextRange,
    pub owner: Option<DefId>,
    /// Every binding of each name, in source order.
    pub bindings: FxHashMap<Name, Vec<DefId>>,
    /// Names declared `global` (or `nonlocal`) here.
    pub globals: Vec<Name>,
    /// Modules star-imported into this scope, in order.
    pub star_imports: Vec<String>,
}

/// Narrowing facts that hold where a name is used.
#[derive(Debug, Clone, PartialEq)]
pub enum Narrow {
    NotNone,
    IsNone,
    IsInstance(Box<VExpr>),
}

/// An unresolved value or annotation expression, kept small.
#[derive(Debug, Clone, PartialEq)]
pub enum VExpr {
    Name {
        name: Name,
        scope: ScopeId,
        at: TextSize,
        narrow: Option<Box<Narrow>>,
    },
    Attr(Box<VExpr>, Name),
    Call(Box<VExpr>),
    Subscript(Box<VExpr>, Vec<VExpr>),
    Union(Vec<VExpr>),
    /// A literal or display: builtins class name and element hints.
    Lit(&'static str, Vec<VExpr>),
    NoneLit,
    /// A string literal used as a subscript key (`movie["title"]`).
    Key(Name),
    Await(Box<VExpr>),
    /// An attribute chain narrowed where it is read (`if a.b is not None: a.b`).
    Narrowed(Box<VExpr>, Box<Narrow>),
    Unknown,
}

#[derive(Debug, Clone)]
pub enum UseKind {
    Name,
    /// `base.name`: the attribute of an expression.
    Attr(VExpr),
    /// `from module import name`: the imported name itself.
    ImportedName {
        module: String,
    },
    /// `import a.b` / `from a.b import x`: a module path segment.
    Module {
        module: String,
    },
    /// `f(name=...)`: a keyword argument of a call.
    Keyword(VExpr),
}

#[derive(Debug, Clone)]
pub struct Use {
    pub name: Name,
    pub range: TextRange,
    pub scope: ScopeId,
    pub kind: UseKind,
    /// Stored to (`x.a = 1`): not checked for unknown attributes.
    pub store: bool,
    pub narrow: Option<Box<Narrow>>,
}

#[derive(Debug, Clone)]
pub struct Call {
    pub callee: VExpr,
    /// Range of the callee expression (where arity diagnostics point).
    pub range: TextRange,
    pub positional: u32,
    pub keywords: Vec<Name>,
    /// `*args` or `**kwargs` at the call site: arity unknown.
    pub spread: bool,
}

#[derive(Debug, Clone)]
pub struct Import {
    pub module: String,
    pub range: TextRange,
    pub optional: bool,
}

#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub range: TextRange,
    pub message: String,
}

/// Everything Argus knows about one file.
#[derive(Debug)]
pub struct ModuleData {
    pub path: PathBuf,
    pub name: String,
    pub is_package: bool,
    pub is_stub: bool,
    /// Part of the project (indexed, checked, searched), not a dependency.
    pub in_project: bool,
    pub source: String,
    pub lines: LineIndex,
    pub defs: Vec<Def>,
    pub scopes: Vec<Scope>,
    /// Sorted by start offset.
    pub uses: Vec<Use>,
    pub calls: Vec<Call>,
    pub imports: Vec<Import>,
    /// Names in `__all__`, when the module defines it.
    pub all: Option<Vec<Name>>,
    pub doc: Option<Box<str>>,
    pub syntax_errors: Vec<SyntaxError>,
    /// use indexes by name, for reference search.
    pub uses_by_name: FxHashMap<Name, Vec<u32>>,
    /// A note when the file could not be indexed (binary, too large).
    pub skipped: Option<String>,
}

impl ModuleData {
    #[must_use]
    pub fn module_scope(&self) -> &Scope {
        &self.scopes[0]
    }

    /// The innermost scope containing an offset.
    #[must_use]
    pub fn scope_at(&self, offset: TextSize) -> ScopeId {
        let mut best = 0usize;
        for (i, s) in self.scopes.iter().enumerate().skip(1) {
            if s.range.contains_inclusive(offset) && s.range.len() <= self.scopes[best].range.len()
            {
                best = i;
            }
        }
        ScopeId::try_from(best).unwrap_or(0)
    }

    /// The use whose range covers an offset.
    #[must_use]
    pub fn use_at(&self, offset: TextSize) -> Option<u32> {
        let idx = self.uses.partition_point(|u| u.range.start() <= offset);
        (0..idx)
            .rev()
            .take(8)
            .find(|&i| self.uses[i].range.contains_inclusive(offset))
            .map(|i| u32::try_from(i).unwrap_or(0))
    }

    /// The definition whose name covers an offset.
    #[must_use]
    pub fn def_at(&self, offset: TextSize) -> Option<DefId> {
        self.defs
            .iter()
            .position(|d| d.range.contains_inclusive(offset) && d.kind != DefKind::Import)
            .map(|i| DefId::try_from(i).unwrap_or(0))
    }
}
