//! The queries: definition, references, hover, type at a position, symbols
//! and diagnostics. Positions in and out are 1-based line and column.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use ruff_python_ast::name::Name;
use ruff_text_size::{TextRange, TextSize};
use rustc_hash::FxHashSet;
use serde::Serialize;

use crate::infer::{vexpr_text, DefRef, Infer, Target, Ty};
use crate::model::{
    Call, DefKind, FileId, ImportTarget, ModuleData, ParamKind, ScopeKind, Use, UseKind, VExpr,
};
use crate::project::Project;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub path: PathBuf,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hover {
    pub text: String,
    pub kind: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub doc: Option<String>,
    pub location: Option<Location>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Symbol {
    pub name: String,
    pub kind: String,
    pub container: Option<String>,
    pub detail: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub severity: &'static str,
    pub code: &'static str,
    pub message: String,
}

/// Names every module has without binding them.
const MODULE_IMPLICIT: &[&str] = &[
    "__name__",
    "__file__",
    "__doc__",
    "__package__",
    "__spec__",
    "__loader__",
    "__path__",
    "__builtins__",
    "__dict__",
    "__annotations__",
    "__debug__",
    "reveal_type",
    "__cached__",
];
const CLASS_IMPLICIT: &[&str] = &["__qualname__", "__module__", "__class__"];

pub struct Queries<'p> {
    pub infer: Infer<'p>,
    /// Attribute names assigned anywhere in the project (built on first use).
    stored: std::cell::OnceCell<FxHashSet<Name>>,
}

fn location(m: &ModuleData, range: TextRange) -> Location {
    let (line, column) = m.lines.position(&m.source, range.start());
    let (end_line, end_column) = m.lines.position(&m.source, range.end());
    Location {
        path: m.path.clone(),
        line,
        column,
        end_line,
        end_column,
    }
}

fn module_location(m: &ModuleData) -> Location {
    Location {
        path: m.path.clone(),
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 1,
    }
}

impl<'p> Queries<'p> {
    #[must_use]
    pub fn new(project: &'p Project) -> Self {
        Self {
            infer: Infer::new(project),
            stored: std::cell::OnceCell::new(),
        }
    }

    fn project(&self) -> &'p Project {
        self.infer.project
    }

    /// File id and byte offset of a position.
    #[must_use]
    pub fn position(&self, path: &Path, line: u32, column: u32) -> Option<(FileId, TextSize)> {
        let id = *self.project().by_path.get(path)?;
        let m = self.project().file(id)?;
        Some((id, m.lines.offset(&m.source, line, column)?))
    }

    pub fn target_location(&self, t: Target) -> Option<Location> {
        match t {
            Target::Module(f) => self.infer.file(f).map(module_location),
            Target::Def(d) => {
                let m = self.infer.file(d.file)?;
                Some(location(m, m.defs.get(d.def as usize)?.range))
            }
        }
    }

    /// What a use refers to (not following imports).
    #[must_use]
    pub fn resolve_use(&self, file: FileId, u: &Use) -> Option<Target> {
        match &u.kind {
            UseKind::Name => self.infer.lookup(file, u.scope, &u.name, u.range.start()),
            UseKind::Attr(base) => self
                .infer
                .member(&self.infer.value_type(base, file), &u.name),
            UseKind::ImportedName { module } => {
                let f = self.project().module(module)?;
                self.infer
                    .module_member(f, &u.name, &mut FxHashSet::default())
                    .or_else(|| {
                        self.project()
                            .module(&format!("{module}.{}", u.name))
                            .map(Target::Module)
                    })
            }
            UseKind::Module { module } => self.project().module(module).map(Target::Module),
            UseKind::Keyword(callee) => {
                let callee = self.infer.value_type(callee, file);
                let func = match callee {
                    Ty::Function(d, _) => d,
                    Ty::Class(c) => self.infer.class_member(c, "__init__")?,
                    _ => return None,
                };
                let m = self.infer.file(func.file)?;
                let body = m.defs.get(func.def as usize)?.body?;
                let d = *m.scopes[body as usize].bindings.get(&u.name)?.first()?;
                (m.defs[d as usize].kind == DefKind::Parameter).then_some(Target::Def(DefRef {
                    file: func.file,
                    def: d,
                }))
            }
        }
    }

    /// The target under a position: a use, else the definition there.
    fn target_at(&self, file: FileId, offset: TextSize) -> Option<(Target, Option<&'p Use>)> {
        let m = self.project().file(file)?;
        if let Some(i) = m.use_at(offset) {
            let u = &m.uses[i as usize];
            return self.resolve_use(file, u).map(|t| (t, Some(u)));
        }
        m.def_at(offset)
            .map(|d| (Target::Def(DefRef { file, def: d }), None))
    }

    #[must_use]
    pub fn definition(&self, file: FileId, offset: TextSize) -> Vec<Location> {
        let Some((t, _)) = self.target_at(file, offset) else {
            return Vec::new();
        };
        self.target_location(self.infer.origin(t))
            .into_iter()
            .collect()
    }

    /// Every reference to what is under the position, across project files,
    /// through imports and aliases and typed receivers' attributes.
    #[must_use]
    pub fn references(
        &self,
        file: FileId,
        offset: TextSize,
        include_declaration: bool,
    ) -> Vec<Location> {
        let Some((t, _)) = self.target_at(file, offset) else {
            return Vec::new();
        };
        let target = self.infer.origin(t);
        self.references_to(target, include_declaration)
    }

    #[must_use]
    pub fn references_to(&self, target: Target, include_declaration: bool) -> Vec<Location> {
        let project = self.project();
        let name: Name = match target {
            Target::Def(d) => match self.infer.def(d) {
                Some(def) => def.name.clone(),
                None => return Vec::new(),
            },
            Target::Module(f) => match self.infer.file(f) {
                Some(m) => Name::new(m.name.rsplit('.').next().unwrap_or(&m.name)),
                None => return Vec::new(),
            },
        };
        // Aliases (`from m import Name as Other`) are searched under their new names.
        let mut names = vec![name.clone()];
        for (_, m) in project.iter_files().filter(|(_, m)| m.in_project) {
            for d in &m.defs {
                if let Some(ImportTarget::Member { name: imported, .. }) = &d.import {
                    if *imported == name && d.name != name && !names.contains(&d.name) {
                        names.push(d.name.clone());
                    }
                }
                if let Some(ImportTarget::Module(module)) = &d.import {
                    if matches!(target, Target::Module(_))
                        && module.ends_with(name.as_str())
                        && !names.contains(&d.name)
                    {
                        names.push(d.name.clone());
                    }
                }
            }
        }
        let files: Vec<(FileId, &ModuleData)> =
            project.iter_files().filter(|(_, m)| m.in_project).collect();
        let mut found: Vec<Location> = files
            .par_iter()
            .map_init(
                || Queries::new(project),
                |q, &(fid, m)| {
                    let mut out = Vec::new();
                    for n in &names {
                        // Import bindings under another name (`import X as Y`).
                        if let Some(defs) = m.module_scope().bindings.get(n) {
                            for &d in defs {
                                let def = &m.defs[d as usize];
                                if def.kind == DefKind::Import
                                    && q.infer.origin(Target::Def(DefRef { file: fid, def: d }))
                                        == target
                                {
                                    out.push(location(m, def.range));
                                }
                            }
                        }
                        let Some(idx) = m.uses_by_name.get(n) else {
                            continue;
                        };
                        for &i in idx {
                            let u = &m.uses[i as usize];
                            if let Some(t) = q.resolve_use(fid, u) {
                                if q.infer.origin(t) == target {
                                    out.push(location(m, u.range));
                                }
                            }
                        }
                    }
                    out
                },
            )
            .flatten_iter()
            .collect();
        if include_declaration {
            if let Target::Def(d) = target {
                if let Some(m) = self.infer.file(d.file) {
                    let def = &m.defs[d.def as usize];
                    found.push(location(m, def.range));
                    // Rebindings of the same variable in the same scope.
                    if matches!(def.kind, DefKind::Variable) {
                        if let Some(all) = m.scopes[def.scope as usize].bindings.get(&def.name) {
                            for &o in all {
                                if m.defs[o as usize].kind == DefKind::Variable {
                                    found.push(location(m, m.defs[o as usize].range));
                                }
                            }
                        }
                    }
                }
            }
        }
        let set: FxHashSet<Location> = found.into_iter().collect();
        let mut out: Vec<Location> = set.into_iter().collect();
        out.sort();
        out
    }

    #[must_use]
    pub fn hover(&self, file: FileId, offset: TextSize) -> Option<Hover> {
        let (t, used) = self.target_at(file, offset)?;
        let ty = match used {
            Some(u) => self.use_type(file, u),
            None => self.infer.target_type(t),
        };
        let origin = self.infer.origin(t);
        let ty_text = self.infer.display(&ty);
        let (kind, head, doc) = match origin {
            Target::Module(f) => {
                let m = self.infer.file(f)?;
                (
                    "module",
                    format!("(module) {}", m.name),
                    m.doc.as_deref().map(str::to_string),
                )
            }
            Target::Def(d) => {
                let def = self.infer.def(d)?;
                let doc = def.doc.as_deref().map(str::to_string);
                match def.kind {
                    DefKind::Class => {
                        let bases = if def.bases.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "({})",
                                def.bases
                                    .iter()
                                    .map(vexpr_text)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        };
                        ("class", format!("(class) class {}{bases}", def.name), doc)
                    }
                    DefKind::Function | DefKind::Method if def.deco.property => {
                        let ret = self.infer.display(&self.infer.returns(d, &[]));
                        ("property", format!("(property) {}: {ret}", def.name), doc)
                    }
                    DefKind::Function | DefKind::Method => {
                        let kind = def.kind.as_str();
                        let text = def
                            .sig
                            .as_ref()
                            .map_or_else(String::new, |s| s.text.clone());
                        (kind, format!("({kind}) {text}"), doc)
                    }
                    kind => {
                        let k = kind.as_str();
                        (k, format!("({k}) {}: {ty_text}", def.name), None)
                    }
                }
            }
        };
        let text = match &doc {
            Some(d) if !d.is_empty() => format!("{head}\n\n{d}"),
            _ => head,
        };
        Some(Hover {
            text,
            kind: kind.to_string(),
            ty: ty_text,
            doc,
            location: self.target_location(origin),
        })
    }

    /// The type of the expression a use stands for (narrowing applied).
    fn use_type(&self, file: FileId, u: &Use) -> Ty {
        match &u.kind {
            UseKind::Name => {
                let v = VExpr::Name {
                    name: u.name.clone(),
                    scope: u.scope,
                    at: u.range.start(),
                    narrow: u.narrow.clone(),
                };
                self.infer.value_type(&v, file)
            }
            UseKind::Attr(base) => {
                let ty = self
                    .infer
                    .member_type(&self.infer.value_type(base, file), &u.name);
                match u.narrow.as_deref() {
                    Some(n) => self.infer.apply_narrow(ty, n, file),
                    None => ty,
                }
            }
            _ => self
                .resolve_use(file, u)
                .map_or(Ty::Unknown, |t| self.infer.target_type(t)),
        }
    }

    #[must_use]
    pub fn type_at(&self, file: FileId, offset: TextSize) -> Option<String> {
        let m = self.project().file(file)?;
        if let Some(i) = m.use_at(offset) {
            return Some(
                self.infer
                    .display(&self.use_type(file, &m.uses[i as usize])),
            );
        }
        let d = m.def_at(offset)?;
        Some(
            self.infer
                .display(&self.infer.def_type(DefRef { file, def: d })),
        )
    }

    fn symbol(m: &ModuleData, d: u32) -> Option<Symbol> {
        let def = &m.defs[d as usize];
        let scope_kind = m.scopes[def.scope as usize].kind;
        let wanted = match def.kind {
            DefKind::Class | DefKind::Function | DefKind::Method | DefKind::Attribute => true,
            DefKind::Variable => matches!(scope_kind, ScopeKind::Module | ScopeKind::Class),
            _ => false,
        };
        if !wanted {
            return None;
        }
        // Only the first binding of a name in its scope is a symbol.
        let first = m.scopes[def.scope as usize]
            .bindings
            .get(&def.name)
            .and_then(|v| v.first())
            .copied();
        if first != Some(d) {
            return None;
        }
        Some(Symbol {
            name: def.name.to_string(),
            kind: def.kind.as_str().to_string(),
            container: def.parent.map(|p| m.defs[p as usize].name.to_string()),
            detail: def.sig.as_ref().map(|s| s.text.clone()),
            location: location(m, def.range),
        })
    }

    #[must_use]
    pub fn document_symbols(&self, file: FileId) -> Vec<Symbol> {
        let Some(m) = self.project().file(file) else {
            return Vec::new();
        };
        (0..u32::try_from(m.defs.len()).unwrap_or(0))
            .filter_map(|d| Self::symbol(m, d))
            .collect()
    }

    /// Project symbols whose name contains `query` (case-insensitive), best first.
    #[must_use]
    pub fn workspace_symbols(&self, query: &str, limit: usize) -> Vec<Symbol> {
        let q = query.to_lowercase();
        let mut hits: Vec<(u8, u8, usize, Symbol)> = Vec::new();
        for (_, m) in self.project().iter_files().filter(|(_, m)| m.in_project) {
            for (i, def) in m.defs.iter().enumerate() {
                let lower = def.name.to_lowercase();
                if !lower.contains(&q) {
                    continue;
                }
                let Some(sym) = Self::symbol(m, u32::try_from(i).unwrap_or(0)) else {
                    continue;
                };
                if sym.kind == "attribute" || (sym.kind == "variable" && sym.container.is_some()) {
                    continue;
                }
                let rank = if def.name == query {
                    0
                } else if lower == q {
                    1
                } else if lower.starts_with(&q) {
                    2
                } else {
                    3
                };
                let kind_rank = match def.kind {
                    DefKind::Class => 0u8,
                    DefKind::Function => 1,
                    DefKind::Method => 2,
                    _ => 3,
                };
                hits.push((rank, kind_rank, def.name.len(), sym));
            }
        }
        hits.sort_by(|a, b| (a.0, a.1, a.2, &a.3.location).cmp(&(b.0, b.1, b.2, &b.3.location)));
        hits.into_iter().take(limit).map(|h| h.3).collect()
    }

    // ----- diagnostics --------------------------------------------------------------

    #[must_use]
    pub fn diagnostics(&self, file: FileId) -> Vec<Diagnostic> {
        let Some(m) = self.project().file(file) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut push =
            |range: TextRange, severity: &'static str, code: &'static str, message: String| {
                let l = location(m, range);
                out.push(Diagnostic {
                    path: l.path,
                    line: l.line,
                    column: l.column,
                    end_line: l.end_line,
                    end_column: l.end_column,
                    severity,
                    code,
                    message,
                });
            };
        if let Some(reason) = &m.skipped {
            push(
                TextRange::default(),
                "warning",
                "file-skipped",
                reason.clone(),
            );
            return out;
        }
        for e in &m.syntax_errors {
            push(e.range, "error", "syntax-error", e.message.clone());
        }
        for i in &m.imports {
            if !i.optional && self.project().module(&i.module).is_none() {
                push(
                    i.range,
                    "error",
                    "unresolved-import",
                    format!("cannot resolve import `{}`", i.module),
                );
            }
        }
        let unresolved_star = m.scopes.iter().any(|s| {
            s.star_imports
                .iter()
                .any(|s| self.project().module(s).is_none())
        });
        for u in &m.uses {
            if let Some((code, message)) = self.check_use(file, m, u, unresolved_star) {
                push(u.range, "error", code, message);
            }
        }
        for call in &m.calls {
            for message in self.check_call(file, call) {
                push(call.range, "error", "wrong-arity", message);
            }
        }
        out.sort_by_key(|d| (d.line, d.column));
        out
    }

    fn check_use(
        &self,
        file: FileId,
        m: &ModuleData,
        u: &Use,
        unresolved_star: bool,
    ) -> Option<(&'static str, String)> {
        match &u.kind {
            UseKind::Name => {
                if unresolved_star || MODULE_IMPLICIT.contains(&u.name.as_str()) {
                    return None;
                }
                if CLASS_IMPLICIT.contains(&u.name.as_str())
                    && m.scopes.iter().any(|s| s.kind == ScopeKind::Class)
                {
                    return None;
                }
                if self
                    .infer
                    .lookup(file, u.scope, &u.name, u.range.start())
                    .is_some()
                {
                    return None;
                }
                Some((
                    "undefined-name",
                    format!("name `{}` is not defined", u.name),
                ))
            }
            UseKind::ImportedName { module } => {
                let f = self.project().module(module)?;
                let target = self.infer.file(f)?;
                if target.path.is_dir()
                    || self.has_getattr_module(f)
                    || self.resolve_use(file, u).is_some()
                {
                    return None;
                }
                if target.scopes.iter().any(|s| {
                    s.star_imports
                        .iter()
                        .any(|s| self.project().module(s).is_none())
                }) {
                    return None;
                }
                Some((
                    "unresolved-import",
                    format!("module `{module}` has no member `{}`", u.name),
                ))
            }
            UseKind::Attr(base) if !u.store => {
                if self.receiver_is_vague(file, base) || self.stored_anywhere(&u.name) {
                    return None;
                }
                let ty = self.infer.value_type(base, file);
                self.unknown_attribute(&ty, &u.name)
            }
            _ => None,
        }
    }

    /// Receivers whose type Argus guesses rather than knows: an unannotated
    /// `self`/`cls` (mixins use attributes their subclasses define) and names
    /// bound more than once in their scope (`try: import x except: x = None`).
    fn receiver_is_vague(&self, file: FileId, base: &VExpr) -> bool {
        let VExpr::Name {
            name, scope, at, ..
        } = base
        else {
            return false;
        };
        let Some(Target::Def(d)) = self.infer.lookup(file, *scope, name, *at) else {
            return false;
        };
        let Some(m) = self.infer.file(d.file) else {
            return true;
        };
        let def = &m.defs[d.def as usize];
        if def.kind == DefKind::Parameter && def.ann.is_none() {
            return true;
        }
        m.scopes[def.scope as usize]
            .bindings
            .get(&def.name)
            .is_some_and(|v| v.len() > 1)
    }

    /// An attribute assigned somewhere in the project (`request.user = ...`)
    /// may exist on any object: not reported as unknown.
    fn stored_anywhere(&self, name: &Name) -> bool {
        self.stored
            .get_or_init(|| {
                let mut names = FxHashSet::default();
                for (_, m) in self.project().iter_files().filter(|(_, m)| m.in_project) {
                    for u in m.uses.iter().filter(|u| u.store) {
                        names.insert(u.name.clone());
                    }
                }
                names
            })
            .contains(name)
    }

    /// `setattr(self, ...)` or `self.__dict__` inside a class body.
    fn sets_attributes_dynamically(m: &ModuleData, class: TextRange) -> bool {
        ["setattr", "__dict__"].iter().any(|n| {
            m.uses_by_name.get(*n).is_some_and(|idx| {
                idx.iter()
                    .any(|&i| class.contains_range(m.uses[i as usize].range))
            })
        })
    }

    fn has_getattr_module(&self, f: FileId) -> bool {
        self.infer
            .file(f)
            .is_some_and(|m| m.module_scope().bindings.contains_key("__getattr__"))
    }

    fn unknown_attribute(&self, ty: &Ty, name: &str) -> Option<(&'static str, String)> {
        match ty {
            Ty::Module(f) => {
                let m = self.infer.file(*f)?;
                if m.path.is_dir() || self.has_getattr_module(*f) || MODULE_IMPLICIT.contains(&name)
                {
                    return None;
                }
                if m.scopes.iter().any(|s| !s.star_imports.is_empty()) {
                    return None;
                }
                if self.infer.member(ty, name).is_some() {
                    return None;
                }
                Some((
                    "unknown-attribute",
                    format!("module `{}` has no attribute `{name}`", m.name),
                ))
            }
            Ty::Instance(c, _) | Ty::Class(c) => {
                let (mro, complete) = self.infer.mro(*c);
                if !complete || self.infer.class_member(*c, name).is_some() {
                    return None;
                }
                let object = self.infer.builtin_class("object");
                let vague = ["object", "type"].map(|n| self.infer.builtin_class(n));
                if vague.contains(&Some(*c)) {
                    return None;
                }
                for k in &mro {
                    let def = self.infer.def(*k)?;
                    if def.opaque_ctor {
                        return None;
                    }
                    if Some(*k) != object {
                        let body = def.body?;
                        let km = self.infer.file(k.file)?;
                        let bindings = &km.scopes[body as usize].bindings;
                        // Marker classes (no members) get their attributes
                        // elsewhere (`obj.__class__ = Other`).
                        if bindings.is_empty()
                            || bindings.contains_key("__getattr__")
                            || bindings.contains_key("__getattribute__")
                            || Self::sets_attributes_dynamically(km, def.full)
                        {
                            return None;
                        }
                    }
                }
                if matches!(ty, Ty::Class(_)) {
                    // Class objects also have the metaclass's attributes.
                    if let Some(t) = self.infer.builtin_class("type") {
                        if self.infer.class_member(t, name).is_some() {
                            return None;
                        }
                    }
                }
                let cname = &self.infer.def(*c)?.name;
                let message = match ty {
                    Ty::Class(_) => format!("type object `{cname}` has no attribute `{name}`"),
                    _ => format!("`{cname}` object has no attribute `{name}`"),
                };
                Some(("unknown-attribute", message))
            }
            _ => None,
        }
    }

    #[allow(clippy::too_many_lines)] // the arity rules of Python calls, in one place
    fn check_call(&self, file: FileId, call: &Call) -> Vec<String> {
        if call.spread {
            return Vec::new();
        }
        let callee = self.infer.value_type(&call.callee, file);
        let (func, skip_first) = match &callee {
            Ty::Function(d, bound) => (*d, bound.is_some()),
            Ty::Class(c) => {
                let (mro, complete) = self.infer.mro(*c);
                let object = self.infer.builtin_class("object");
                if !complete
                    || mro
                        .iter()
                        .any(|k| self.infer.def(*k).is_none_or(|d| d.opaque_ctor))
                {
                    return Vec::new();
                }
                let init = self.infer.class_member(*c, "__init__");
                let new = self.infer.class_member(*c, "__new__");
                let owner = |d: Option<DefRef>| {
                    d.and_then(|d| {
                        self.infer.def(d)?.parent.map(|p| DefRef {
                            file: d.file,
                            def: p,
                        })
                    })
                };
                if owner(new).is_some_and(|o| Some(o) != object) {
                    return Vec::new();
                }
                match init {
                    Some(i) if owner(Some(i)) != object => (i, true),
                    _ => return Vec::new(),
                }
            }
            _ => return Vec::new(),
        };
        let Some(m) = self.infer.file(func.file) else {
            return Vec::new();
        };
        let def = &m.defs[func.def as usize];
        let Some(sig) = &def.sig else {
            return Vec::new();
        };
        if def.deco.other || def.deco.overload || def.deco.property {
            return Vec::new();
        }
        // Overloads and redefinitions: more than one binding of the name.
        if m.scopes[def.scope as usize]
            .bindings
            .get(&def.name)
            .is_some_and(|v| v.len() > 1)
        {
            return Vec::new();
        }
        // Cooperative `super().__init__(**kw)` chains end in object's: not checked.
        let object = self.infer.builtin_class("object");
        if def.parent.is_some_and(|p| {
            Some(DefRef {
                file: func.file,
                def: p,
            }) == object
        }) {
            return Vec::new();
        }
        let skip = usize::from(skip_first && !def.deco.staticmethod);
        let params: Vec<_> = sig.params.iter().skip(skip).collect();
        let name = &def.name;
        let mut problems = Vec::new();
        let positional: Vec<_> = params
            .iter()
            .filter(|p| matches!(p.kind, ParamKind::PositionalOnly | ParamKind::Normal))
            .collect();
        let has_varargs = params.iter().any(|p| p.kind == ParamKind::VarArgs);
        let has_kwargs = params.iter().any(|p| p.kind == ParamKind::KwArgs);
        let given = call.positional as usize;
        if given > positional.len() && !has_varargs {
            problems.push(format!(
                "`{name}` takes {} positional argument{} but {given} {} given",
                positional.len(),
                if positional.len() == 1 { "" } else { "s" },
                if given == 1 { "was" } else { "were" }
            ));
        }
        for kw in &call.keywords {
            let known = params.iter().any(|p| {
                p.name == *kw
                    && !matches!(
                        p.kind,
                        ParamKind::PositionalOnly | ParamKind::VarArgs | ParamKind::KwArgs
                    )
            });
            if !known && !has_kwargs {
                problems.push(format!(
                    "`{name}` got an unexpected keyword argument `{kw}`"
                ));
            }
        }
        for (i, p) in params.iter().enumerate() {
            let by_position =
                matches!(p.kind, ParamKind::PositionalOnly | ParamKind::Normal) && i < given;
            if by_position && call.keywords.contains(&p.name) {
                problems.push(format!(
                    "`{name}` got multiple values for argument `{}`",
                    p.name
                ));
            }
        }
        for (i, p) in params.iter().enumerate() {
            if p.has_default || matches!(p.kind, ParamKind::VarArgs | ParamKind::KwArgs) {
                continue;
            }
            let by_position =
                matches!(p.kind, ParamKind::PositionalOnly | ParamKind::Normal) && i < given;
            let by_keyword = p.kind != ParamKind::PositionalOnly && call.keywords.contains(&p.name);
            if !by_position && !by_keyword {
                problems.push(format!(
                    "`{name}` is missing required argument `{}`",
                    p.name
                ));
            }
        }
        problems
    }
}

/// Diagnostics of every project file, in path order.
#[must_use]
pub fn check_project(project: &Project) -> Vec<Diagnostic> {
    let files: Vec<FileId> = project
        .iter_files()
        .filter(|(_, m)| m.in_project && !m.path.is_dir())
        .map(|(i, _)| i)
        .collect();
    let mut all: Vec<Diagnostic> = files
        .par_iter()
        .map_init(|| Queries::new(project), |q, &f| q.diagnostics(f))
        .flatten_iter()
        .collect();
    all.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    all
}
