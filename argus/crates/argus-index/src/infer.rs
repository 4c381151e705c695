//! Name resolution and type inference, computed lazily at query time.
//!
//! Types come from annotations first, then from assigned values, returns,
//! literals, calls and attribute access; generic classes substitute their
//! type parameters; `is None` checks and `isinstance` narrow a name where
//! the collector recorded the fact. One `Infer` lives for one query and
//! memoises definition types and MROs; a recursion guard returns `Unknown`
//! on cycles (`a = b; b = a`).

use std::cell::RefCell;

use ruff_python_ast::name::Name;
use ruff_text_size::TextSize;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::model::{
    Def, DefId, DefKind, FileId, ImportTarget, ModuleData, Narrow, ScopeId, ScopeKind, VExpr,
};
use crate::project::Project;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DefRef {
    pub file: FileId,
    pub def: DefId,
}

/// What a name or attribute refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Def(DefRef),
    Module(FileId),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Unknown,
    None,
    Module(FileId),
    Class(DefRef),
    Instance(DefRef, Vec<Ty>),
    /// A function; with the receiver when bound (`obj.method`).
    Function(DefRef, Option<Box<Ty>>),
    Union(Vec<Ty>),
    /// `super()` inside a method of the class (true: a classmethod).
    Super(DefRef, bool),
    /// A value annotated `Callable[[...], R]`: calling it gives `R`.
    Callable(Box<Ty>),
}

const MAX_DEPTH: u32 = 32;

/// Subscripted names an annotation gives a meaning of its own.
const SPECIAL_FORMS: &[&str] = &[
    "Optional",
    "Union",
    "Annotated",
    "ClassVar",
    "Final",
    "Required",
    "NotRequired",
    "ReadOnly",
    "TypeGuard",
    "TypeIs",
    "Type",
    "type",
    "Literal",
    "Callable",
    "Concatenate",
    "Unpack",
    "List",
    "Dict",
    "Set",
    "FrozenSet",
    "Tuple",
];

pub fn union(parts: impl IntoIterator<Item = Ty>) -> Ty {
    let mut out: Vec<Ty> = Vec::new();
    for p in parts {
        let items = match p {
            Ty::Union(inner) => inner,
            other => vec![other],
        };
        for t in items {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    if out.len() > 1 {
        out.retain(|t| *t != Ty::Unknown);
    }
    match out.len() {
        0 => Ty::Unknown,
        1 => out.pop().unwrap_or(Ty::Unknown),
        _ => Ty::Union(out),
    }
}

pub struct Infer<'p> {
    pub project: &'p Project,
    depth: RefCell<u32>,
    def_types: RefCell<FxHashMap<DefRef, Ty>>,
    in_progress: RefCell<FxHashSet<DefRef>>,
    mros: RefCell<FxHashMap<DefRef, (Vec<DefRef>, bool)>>,
    inferred_returns: RefCell<FxHashMap<DefRef, Ty>>,
}

impl<'p> Infer<'p> {
    #[must_use]
    pub fn new(project: &'p Project) -> Self {
        Self {
            project,
            depth: RefCell::new(0),
            def_types: RefCell::default(),
            in_progress: RefCell::default(),
            mros: RefCell::default(),
            inferred_returns: RefCell::default(),
        }
    }

    #[must_use]
    pub fn file(&self, id: FileId) -> Option<&'p ModuleData> {
        self.project.file(id)
    }

    #[must_use]
    pub fn def(&self, d: DefRef) -> Option<&'p Def> {
        self.file(d.file).and_then(|m| m.defs.get(d.def as usize))
    }

    fn guard<T>(&self, fallback: T, f: impl FnOnce() -> T) -> T {
        {
            let mut depth = self.depth.borrow_mut();
            if *depth >= MAX_DEPTH {
                return fallback;
            }
            *depth += 1;
        }
        let out = f();
        *self.depth.borrow_mut() -= 1;
        out
    }

    // ----- names ---------------------------------------------------------------

    /// The binding of `name` visible at `at` in `scope`, with builtins and
    /// star imports as fallbacks.
    #[must_use]
    pub fn lookup(&self, file: FileId, scope: ScopeId, name: &str, at: TextSize) -> Option<Target> {
        let m = self.file(file)?;
        let mut current = Some(scope);
        let mut first = true;
        while let Some(sid) = current {
            let s = &m.scopes[sid as usize];
            if first && sid != 0 && s.globals.iter().any(|g| g == name) {
                current = Some(0);
                first = false;
                continue;
            }
            if first || s.kind != ScopeKind::Class {
                if let Some(defs) = s.bindings.get(name) {
                    let pick = defs
                        .iter()
                        .rev()
                        .find(|&&d| m.defs[d as usize].range.start() <= at)
                        .or_else(|| defs.first())
                        .copied();
                    if let Some(d) = pick {
                        return Some(Target::Def(DefRef { file, def: d }));
                    }
                }
            }
            first = false;
            current = s.parent;
        }
        for star in &m.module_scope().star_imports {
            if let Some(f) = self.project.module(star) {
                if let Some(t) = self.star_member(f, name, &mut FxHashSet::default()) {
                    return Some(t);
                }
            }
        }
        let builtins = self.project.module("builtins")?;
        if builtins == file {
            return None;
        }
        self.module_member(builtins, name, &mut FxHashSet::default())
    }

    fn star_member(
        &self,
        file: FileId,
        name: &str,
        seen: &mut FxHashSet<FileId>,
    ) -> Option<Target> {
        let m = self.file(file)?;
        let public = match &m.all {
            Some(all) => all.iter().any(|n| n == name),
            None => !name.starts_with('_'),
        };
        if !public {
            return None;
        }
        self.module_member(file, name, seen)
    }

    /// `module.name`: a binding of the module, a star import, or a submodule.
    #[must_use]
    pub fn module_member(
        &self,
        file: FileId,
        name: &str,
        seen: &mut FxHashSet<FileId>,
    ) -> Option<Target> {
        if !seen.insert(file) {
            return None;
        }
        let m = self.file(file)?;
        if let Some(defs) = m.module_scope().bindings.get(name) {
            // A module-level binding that is not itself the submodule import
            // `from . import name` of a package resolves to the binding.
            let overloaded = defs.iter().any(|&d| m.defs[d as usize].deco.overload);
            let pick = if overloaded {
                defs.first()
            } else {
                defs.last()
            };
            if let Some(&d) = pick {
                return Some(Target::Def(DefRef { file, def: d }));
            }
        }
        for star in &m.module_scope().star_imports {
            if let Some(f) = self.project.module(star) {
                if let Some(t) = self.star_member(f, name, seen) {
                    return Some(t);
                }
            }
        }
        self.project
            .module(&format!("{}.{name}", m.name))
            .map(Target::Module)
    }

    /// Follow imports to the definition they name.
    #[must_use]
    pub fn origin(&self, t: Target) -> Target {
        let mut current = t;
        for _ in 0..32 {
            let Target::Def(d) = current else {
                return current;
            };
            let Some(def) = self.def(d) else {
                return current;
            };
            let next = match &def.import {
                Some(ImportTarget::Module(name)) => self.project.module(name).map(Target::Module),
                Some(ImportTarget::Member { module, name }) => {
                    self.project.module(module).and_then(|f| {
                        let own = self.file(f).map(|m| m.name.clone());
                        // `from . import sub` inside the package itself.
                        if f == d.file && own.is_some() {
                            self.project
                                .module(&format!("{module}.{name}"))
                                .map(Target::Module)
                        } else {
                            self.module_member(f, name, &mut FxHashSet::default())
                        }
                    })
                }
                None => return current,
            };
            match next {
                Some(n) if n != current => current = n,
                _ => return current,
            }
        }
        current
    }

    // ----- types of definitions -------------------------------------------------

    #[must_use]
    pub fn target_type(&self, t: Target) -> Ty {
        match self.origin(t) {
            Target::Module(f) => Ty::Module(f),
            Target::Def(d) => self.def_type(d),
        }
    }

    #[must_use]
    pub fn def_type(&self, d: DefRef) -> Ty {
        if let Some(t) = self.def_types.borrow().get(&d) {
            return t.clone();
        }
        if !self.in_progress.borrow_mut().insert(d) {
            return Ty::Unknown;
        }
        let ty = self.guard(Ty::Unknown, || self.compute_def_type(d));
        self.in_progress.borrow_mut().remove(&d);
        self.def_types.borrow_mut().insert(d, ty.clone());
        ty
    }

    fn compute_def_type(&self, d: DefRef) -> Ty {
        let Some(def) = self.def(d) else {
            return Ty::Unknown;
        };
        match def.kind {
            DefKind::Class => Ty::Class(d),
            DefKind::Function | DefKind::Method => Ty::Function(d, None),
            DefKind::Import => match self.origin(Target::Def(d)) {
                Target::Def(o) if o == d => Ty::Unknown,
                t => self.target_type(t),
            },
            DefKind::TypeParam => Ty::Unknown,
            DefKind::Parameter => self.param_type(d, def),
            DefKind::Variable | DefKind::Attribute => {
                if let Some(ann) = &def.ann {
                    return self.ann_type(ann, d.file, &[]);
                }
                def.value
                    .as_ref()
                    .map_or(Ty::Unknown, |v| self.value_type(v, d.file))
            }
        }
    }

    fn param_type(&self, d: DefRef, def: &Def) -> Ty {
        if let Some(ann) = &def.ann {
            let inner = self.ann_type(ann, d.file, &[]);
            return match self.param_kind(d, def) {
                Some(crate::model::ParamKind::VarArgs) => {
                    self.builtin_instance("tuple", vec![inner])
                }
                Some(crate::model::ParamKind::KwArgs) => self.builtin_instance(
                    "dict",
                    vec![self.builtin_instance("str", Vec::new()), inner],
                ),
                _ => inner,
            };
        }
        let Some(m) = self.file(d.file) else {
            return Ty::Unknown;
        };
        let scope = &m.scopes[def.scope as usize];
        let Some(owner) = scope.owner else {
            return Ty::Unknown;
        };
        let fdef = &m.defs[owner as usize];
        if fdef.kind == DefKind::Method && !fdef.deco.staticmethod {
            let is_first = fdef
                .sig
                .as_ref()
                .and_then(|s| s.params.first())
                .is_some_and(|p| p.name == def.name);
            if is_first {
                if let Some(class) = fdef.parent {
                    let c = DefRef {
                        file: d.file,
                        def: class,
                    };
                    return if fdef.deco.classmethod {
                        Ty::Class(c)
                    } else {
                        Ty::Instance(c, Vec::new())
                    };
                }
            }
        }
        match self.param_kind(d, def) {
            Some(crate::model::ParamKind::VarArgs) => self.builtin_instance("tuple", Vec::new()),
            Some(crate::model::ParamKind::KwArgs) => self.builtin_instance("dict", Vec::new()),
            _ => Ty::Unknown,
        }
    }

    fn param_kind(&self, d: DefRef, def: &Def) -> Option<crate::model::ParamKind> {
        let m = self.file(d.file)?;
        let owner = m.scopes[def.scope as usize].owner?;
        let sig = m.defs[owner as usize].sig.as_ref()?;
        sig.params
            .iter()
            .find(|p| p.name == def.name)
            .map(|p| p.kind)
    }

    #[must_use]
    pub fn builtin_class(&self, name: &str) -> Option<DefRef> {
        let f = self.project.module("builtins")?;
        let m = self.file(f)?;
        m.module_scope()
            .bindings
            .get(name)
            .and_then(|d| d.first())
            .map(|&d| DefRef { file: f, def: d })
    }

    fn builtin_instance(&self, name: &str, args: Vec<Ty>) -> Ty {
        self.builtin_class(name)
            .map_or(Ty::Unknown, |c| Ty::Instance(c, args))
    }

    // ----- expressions ----------------------------------------------------------

    #[must_use]
    pub fn value_type(&self, v: &VExpr, file: FileId) -> Ty {
        self.guard(Ty::Unknown, || match v {
            VExpr::Name {
                name,
                scope,
                at,
                narrow,
            } => {
                let base = self
                    .lookup(file, *scope, name, *at)
                    .map_or(Ty::Unknown, |t| self.target_type(t));
                match narrow.as_deref() {
                    Some(n) => self.apply_narrow(base, n, file),
                    None => base,
                }
            }
            VExpr::Attr(base, name) => self.member_type(&self.value_type(base, file), name),
            VExpr::Call(f) => {
                if let VExpr::Name { name, scope, .. } = f.as_ref() {
                    if name == "super" {
                        return self.super_type(file, *scope).unwrap_or(Ty::Unknown);
                    }
                }
                self.call_result(&self.value_type(f, file))
            }
            VExpr::Subscript(base, args) => {
                let b = self.value_type(base, file);
                if let [VExpr::Key(key)] = args.as_slice() {
                    if let Some(field) = self.typed_dict_field(&b, key) {
                        return field;
                    }
                }
                match (&b, args.is_empty()) {
                    (Ty::Class(_), false) => b,
                    (_, true) => self.element(&b, true),
                    (_, false) => self.element(&b, false),
                }
            }
            VExpr::Union(parts) => union(parts.iter().map(|p| self.value_type(p, file))),
            VExpr::Lit(name, elts) => {
                let args = elts.iter().map(|e| self.value_type(e, file)).collect();
                self.builtin_instance(name, args)
            }
            VExpr::NoneLit => Ty::None,
            VExpr::Key(_) => self.builtin_instance("str", Vec::new()),
            VExpr::Await(inner) => self.value_type(inner, file),
            VExpr::Narrowed(inner, narrow) => {
                self.apply_narrow(self.value_type(inner, file), narrow, file)
            }
            VExpr::Unknown => Ty::Unknown,
        })
    }

    /// `super()` inside a method: the next class of the enclosing class's MRO.
    fn super_type(&self, file: FileId, scope: ScopeId) -> Option<Ty> {
        let m = self.file(file)?;
        let mut current = Some(scope);
        while let Some(sid) = current {
            let s = &m.scopes[sid as usize];
            if s.kind == ScopeKind::Function {
                let owner = &m.defs[s.owner? as usize];
                let class = DefRef {
                    file,
                    def: owner.parent?,
                };
                if self.def(class)?.kind != DefKind::Class {
                    return None;
                }
                let (_, complete) = self.mro(class);
                if !complete {
                    return None;
                }
                return Some(Ty::Super(class, owner.deco.classmethod));
            }
            current = s.parent;
        }
        None
    }

    /// The element of a container: iteration (first type argument) or
    /// subscription (last).
    /// `value["key"]` on an instance of a `TypedDict` class: the key's declared type.
    fn typed_dict_field(&self, value: &Ty, key: &str) -> Option<Ty> {
        let Ty::Instance(c, _) = value else {
            return None;
        };
        let (mro, _) = self.mro(*c);
        let is_typed_dict = mro.iter().any(|k| {
            self.def(*k).is_some_and(|d| {
                d.bases.iter().any(|b| {
                    let head = match b {
                        VExpr::Subscript(h, _) => h.as_ref(),
                        other => other,
                    };
                    matches!(head, VExpr::Name { name, .. } | VExpr::Attr(_, name) if name == "TypedDict")
                })
            })
        });
        if !is_typed_dict {
            return None;
        }
        self.class_member(*c, key)?;
        Some(self.member_type(value, key))
    }

    fn element(&self, ty: &Ty, iterate: bool) -> Ty {
        match ty {
            Ty::Instance(c, args) if !args.is_empty() => {
                let is_tuple = self.def(*c).is_some_and(|d| d.name == "tuple");
                if is_tuple {
                    return union(args.iter().cloned());
                }
                if iterate {
                    args[0].clone()
                } else {
                    args[args.len() - 1].clone()
                }
            }
            Ty::Union(parts) => union(parts.iter().map(|p| self.element(p, iterate))),
            _ => Ty::Unknown,
        }
    }

    #[must_use]
    pub fn apply_narrow(&self, ty: Ty, narrow: &Narrow, file: FileId) -> Ty {
        match narrow {
            Narrow::IsNone => Ty::None,
            Narrow::NotNone => match ty {
                Ty::Union(parts) => union(parts.into_iter().filter(|p| *p != Ty::None)),
                Ty::None => Ty::Unknown,
                other => other,
            },
            Narrow::IsInstance(class) => {
                let t = self.ann_type(class, file, &[]);
                if t == Ty::Unknown {
                    ty
                } else {
                    t
                }
            }
        }
    }

    /// The type an annotation denotes (instances of the classes it names).
    #[must_use]
    pub fn ann_type(&self, v: &VExpr, file: FileId, subst: &[(Name, Ty)]) -> Ty {
        self.guard(Ty::Unknown, || self.ann_type_inner(v, file, subst))
    }

    fn ann_type_inner(&self, v: &VExpr, file: FileId, subst: &[(Name, Ty)]) -> Ty {
        match v {
            VExpr::NoneLit => Ty::None,
            VExpr::Union(parts) => union(parts.iter().map(|p| self.ann_type(p, file, subst))),
            VExpr::Name { name, .. } | VExpr::Attr(_, name)
                if subst.iter().any(|(n, _)| n == name) =>
            {
                subst
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(Ty::Unknown, |(_, t)| t.clone())
            }
            VExpr::Name { name, .. } | VExpr::Attr(_, name) if name == "Any" || name == "Self" => {
                Ty::Unknown
            }
            VExpr::Name { name, .. } | VExpr::Attr(_, name) if name == "LiteralString" => {
                self.builtin_instance("str", Vec::new())
            }
            VExpr::Name { .. } | VExpr::Attr(..) => {
                let head = self.value_type(v, file);
                self.instance_of(head, v, file, subst)
            }
            VExpr::Subscript(head, args) => {
                let written = match head.as_ref() {
                    VExpr::Name { name, .. } | VExpr::Attr(_, name) => name.as_str(),
                    _ => "",
                };
                // `from typing import Callable as C`: the name it was imported as.
                let imported = match head.as_ref() {
                    VExpr::Name {
                        name, scope, at, ..
                    } if !SPECIAL_FORMS.contains(&name.as_str()) => self
                        .lookup(file, *scope, name, *at)
                        .map(|t| self.origin(t))
                        .and_then(|t| match t {
                            Target::Def(d) => self.def(d).map(|x| x.name.clone()),
                            Target::Module(_) => None,
                        }),
                    _ => None,
                };
                let head_name = match &imported {
                    Some(n) if SPECIAL_FORMS.contains(&n.as_str()) => n.as_str(),
                    _ => written,
                };
                let arg = |i: usize| {
                    args.get(i)
                        .map_or(Ty::Unknown, |a| self.ann_type(a, file, subst))
                };
                match head_name {
                    "Optional" => union([arg(0), Ty::None]),
                    "Union" => union(args.iter().map(|a| self.ann_type(a, file, subst))),
                    "Annotated" | "ClassVar" | "Final" | "Required" | "NotRequired"
                    | "ReadOnly" | "TypeGuard" | "TypeIs" => arg(0),
                    "Type" | "type" => match arg(0) {
                        Ty::Instance(c, _) => Ty::Class(c),
                        _ => Ty::Unknown,
                    },
                    "Literal" => union(args.iter().map(|a| self.value_type(a, file))),
                    "Callable" if args.len() == 2 => Ty::Callable(Box::new(arg(1))),
                    "Callable" | "Concatenate" | "Unpack" => Ty::Unknown,
                    _ => {
                        let alias = match head_name {
                            "List" => Some("list"),
                            "Dict" => Some("dict"),
                            "Set" => Some("set"),
                            "FrozenSet" => Some("frozenset"),
                            "Tuple" => Some("tuple"),
                            _ => None,
                        };
                        let class = match alias {
                            Some(b) => self.builtin_class(b),
                            None => match self.value_type(head, file) {
                                Ty::Class(c) => Some(c),
                                _ => None,
                            },
                        };
                        let targs: Vec<Ty> = args
                            .iter()
                            .filter(|a| !matches!(a, VExpr::Lit("tuple", x) if x.is_empty()))
                            .map(|a| self.ann_type(a, file, subst))
                            .collect();
                        class.map_or(Ty::Unknown, |c| Ty::Instance(c, targs))
                    }
                }
            }
            VExpr::Narrowed(inner, _) => self.ann_type(inner, file, subst),
            VExpr::Lit(..) | VExpr::Key(_) | VExpr::Call(_) | VExpr::Await(_) | VExpr::Unknown => {
                Ty::Unknown
            }
        }
    }

    /// An annotation naming `head`: instances of a class, or an alias's value.
    fn instance_of(&self, head: Ty, v: &VExpr, file: FileId, subst: &[(Name, Ty)]) -> Ty {
        match head {
            Ty::Class(c) => {
                let name = self.def(c).map(|d| d.name.as_str()).unwrap_or_default();
                let alias = match name {
                    "List" => self.builtin_class("list"),
                    "Dict" => self.builtin_class("dict"),
                    "Set" => self.builtin_class("set"),
                    "Tuple" => self.builtin_class("tuple"),
                    _ => None,
                };
                Ty::Instance(alias.unwrap_or(c), Vec::new())
            }
            Ty::None => Ty::None,
            _ => {
                // A type alias (`UserId = int`, `MaybeUser = Optional[User]`).
                let target = match v {
                    VExpr::Name {
                        name, scope, at, ..
                    } => self.lookup(file, *scope, name, *at).map(|t| self.origin(t)),
                    _ => None,
                };
                if let Some(Target::Def(d)) = target {
                    if let Some(def) = self.def(d) {
                        if def.kind == DefKind::Variable && def.ann.is_none() {
                            if let Some(value) = &def.value {
                                if !matches!(value, VExpr::Call(_)) {
                                    return self.ann_type(value, d.file, subst);
                                }
                            }
                        }
                    }
                }
                Ty::Unknown
            }
        }
    }

    // ----- classes --------------------------------------------------------------

    /// The class's method resolution order (C3), and whether every base resolved.
    #[must_use]
    pub fn mro(&self, c: DefRef) -> (Vec<DefRef>, bool) {
        if let Some(m) = self.mros.borrow().get(&c) {
            return m.clone();
        }
        self.mros.borrow_mut().insert(c, (vec![c], false));
        let result = self.guard((vec![c], false), || self.compute_mro(c));
        self.mros.borrow_mut().insert(c, result.clone());
        result
    }

    fn base_classes(&self, c: DefRef) -> (Vec<DefRef>, bool) {
        let Some(def) = self.def(c) else {
            return (Vec::new(), false);
        };
        let mut bases = Vec::new();
        let mut complete = true;
        for b in &def.bases {
            let head = match b {
                VExpr::Subscript(h, _) => h.as_ref(),
                other => other,
            };
            match self.value_type(head, c.file) {
                Ty::Class(bc) if bc != c => bases.push(bc),
                _ => {
                    let name = match head {
                        VExpr::Name { name, .. } | VExpr::Attr(_, name) => name.as_str(),
                        _ => "",
                    };
                    if !matches!(name, "Generic" | "Protocol" | "NamedTuple" | "TypedDict") {
                        complete = false;
                    }
                }
            }
        }
        (bases, complete)
    }

    fn compute_mro(&self, c: DefRef) -> (Vec<DefRef>, bool) {
        let (bases, mut complete) = self.base_classes(c);
        let mut seqs: Vec<Vec<DefRef>> = Vec::new();
        for b in &bases {
            let (m, ok) = self.mro(*b);
            complete &= ok;
            seqs.push(m);
        }
        seqs.push(bases.clone());
        let mut out = vec![c];
        loop {
            seqs.retain(|s| !s.is_empty());
            if seqs.is_empty() {
                break;
            }
            let head = seqs
                .iter()
                .map(|s| s[0])
                .find(|h| !seqs.iter().any(|s| s[1..].contains(h)));
            let Some(h) = head else {
                // Inconsistent hierarchy: fall back to depth-first order.
                for s in &seqs {
                    for x in s {
                        if !out.contains(x) {
                            out.push(*x);
                        }
                    }
                }
                break;
            };
            out.push(h);
            for s in &mut seqs {
                if s.first() == Some(&h) {
                    s.remove(0);
                }
            }
        }
        if let Some(object) = self.builtin_class("object") {
            if !out.contains(&object) {
                out.push(object);
            }
        }
        (out, complete)
    }

    /// The definition of an attribute of a class, searched along its MRO.
    #[must_use]
    pub fn class_member(&self, c: DefRef, name: &str) -> Option<DefRef> {
        let (mro, _) = self.mro(c);
        for k in mro {
            let Some(m) = self.file(k.file) else { continue };
            let Some(body) = m.defs.get(k.def as usize).and_then(|d| d.body) else {
                continue;
            };
            if let Some(defs) = m.scopes[body as usize].bindings.get(name) {
                let pick = defs
                    .iter()
                    .find(|&&d| m.defs[d as usize].kind != DefKind::Attribute)
                    .or_else(|| defs.first());
                if let Some(&d) = pick {
                    return Some(DefRef {
                        file: k.file,
                        def: d,
                    });
                }
            }
        }
        None
    }

    /// Type parameters of `owner` as seen from an instance of `class[args]`.
    fn class_subst(
        &self,
        class: DefRef,
        args: &[Ty],
        owner: DefRef,
        depth: u32,
    ) -> Vec<(Name, Ty)> {
        let Some(def) = self.def(class) else {
            return Vec::new();
        };
        let own: Vec<(Name, Ty)> = def
            .type_params
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), args.get(i).cloned().unwrap_or(Ty::Unknown)))
            .collect();
        if class == owner || depth > 8 {
            return own;
        }
        for b in &def.bases {
            let (head, bargs) = match b {
                VExpr::Subscript(h, a) => (h.as_ref(), a.as_slice()),
                other => (other, &[][..]),
            };
            if let Ty::Class(bc) = self.value_type(head, class.file) {
                if bc == class {
                    continue;
                }
                let (mro, _) = self.mro(bc);
                if mro.contains(&owner) {
                    let resolved: Vec<Ty> = bargs
                        .iter()
                        .map(|a| self.ann_type(a, class.file, &own))
                        .collect();
                    return self.class_subst(bc, &resolved, owner, depth + 1);
                }
            }
        }
        own
    }

    /// `receiver.name`: where it is defined.
    #[must_use]
    pub fn member(&self, receiver: &Ty, name: &str) -> Option<Target> {
        match receiver {
            Ty::Module(f) => self
                .module_member(*f, name, &mut FxHashSet::default())
                .map(|t| self.origin(t)),
            Ty::Instance(c, _) | Ty::Class(c) => self.class_member(*c, name).map(Target::Def),
            Ty::Super(c, _) => self.class_member_after(*c, name).map(Target::Def),
            Ty::Union(parts) => parts
                .iter()
                .filter(|p| **p != Ty::None)
                .find_map(|p| self.member(p, name)),
            _ => None,
        }
    }

    #[must_use]
    pub fn member_type(&self, receiver: &Ty, name: &str) -> Ty {
        match receiver {
            Ty::Union(parts) => union(
                parts
                    .iter()
                    .filter(|p| **p != Ty::None)
                    .map(|p| self.member_type(p, name)),
            ),
            Ty::Super(c, is_class) => {
                let receiver = if *is_class {
                    Ty::Class(*c)
                } else {
                    Ty::Instance(*c, Vec::new())
                };
                match self.class_member_after(*c, name) {
                    Some(d) => self.bound_member_type(&receiver, *c, d),
                    None => Ty::Unknown,
                }
            }
            Ty::Instance(c, _) | Ty::Class(c) => match self.class_member(*c, name) {
                Some(d) => self.bound_member_type(receiver, *c, d),
                None => Ty::Unknown,
            },
            Ty::Module(_) => self
                .member(receiver, name)
                .map_or(Ty::Unknown, |t| self.target_type(t)),
            _ => Ty::Unknown,
        }
    }

    /// `name` found on a class from `super()`: the MRO after the class itself.
    #[must_use]
    pub fn class_member_after(&self, c: DefRef, name: &str) -> Option<DefRef> {
        let (mro, _) = self.mro(c);
        mro.iter().skip(1).find_map(|k| {
            let m = self.file(k.file)?;
            let body = m.defs.get(k.def as usize)?.body?;
            let defs = m.scopes[body as usize].bindings.get(name)?;
            defs.first().map(|&d| DefRef {
                file: k.file,
                def: d,
            })
        })
    }

    /// The type of member `d` read through `receiver` (methods bound,
    /// properties called, class type parameters substituted).
    fn bound_member_type(&self, receiver: &Ty, c: DefRef, d: DefRef) -> Ty {
        {
            let args: &[Ty] = match receiver {
                Ty::Instance(_, a) => a,
                _ => &[],
            };
            let c = &c;
            {
                let Some(def) = self.def(d) else {
                    return Ty::Unknown;
                };
                let owner = def.parent.map(|p| DefRef {
                    file: d.file,
                    def: p,
                });
                let mut subst = owner
                    .map(|o| self.class_subst(*c, args, o, 0))
                    .unwrap_or_default();
                subst.push((Name::new_static("Self"), receiver.clone()));
                let is_instance = matches!(receiver, Ty::Instance(..));
                match def.kind {
                    DefKind::Function | DefKind::Method if def.deco.property => {
                        if is_instance {
                            self.returns(d, &subst)
                        } else {
                            Ty::Function(d, None)
                        }
                    }
                    DefKind::Function | DefKind::Method => {
                        let bound =
                            if def.deco.staticmethod || (!is_instance && !def.deco.classmethod) {
                                None
                            } else if def.deco.classmethod {
                                Some(Box::new(Ty::Class(*c)))
                            } else {
                                Some(Box::new(receiver.clone()))
                            };
                        Ty::Function(d, bound)
                    }
                    DefKind::Variable | DefKind::Attribute => {
                        let ty = match &def.ann {
                            Some(ann) => self.ann_type(ann, d.file, &subst),
                            None => self.def_type(d),
                        };
                        match ty {
                            // A function stored on the class binds like a method.
                            Ty::Function(f, None)
                                if is_instance && def.kind == DefKind::Variable =>
                            {
                                Ty::Function(f, Some(Box::new(receiver.clone())))
                            }
                            // A descriptor (`__get__`): what it returns is not modelled.
                            Ty::Instance(k, _) if self.class_member(k, "__get__").is_some() => {
                                Ty::Unknown
                            }
                            other => other,
                        }
                    }
                    _ => self.def_type(d),
                }
            }
        }
    }

    /// What calling a value of this type returns.
    #[must_use]
    pub fn call_result(&self, callee: &Ty) -> Ty {
        match callee {
            Ty::Class(c) => {
                let name = self.def(*c).map(|d| d.name.as_str()).unwrap_or_default();
                if name == "type" || name == "TypeVar" {
                    return Ty::Unknown;
                }
                Ty::Instance(*c, Vec::new())
            }
            Ty::Function(d, _)
                if self
                    .def(*d)
                    .is_some_and(|x| matches!(x.name.as_str(), "namedtuple" | "NewType")) =>
            {
                Ty::Unknown
            }
            Ty::Function(d, receiver) => {
                let mut subst = Vec::new();
                if let Some(r) = receiver.as_deref() {
                    if let (Ty::Instance(c, args), Some(owner)) =
                        (r, self.def(*d).and_then(|x| x.parent))
                    {
                        subst = self.class_subst(
                            *c,
                            args,
                            DefRef {
                                file: d.file,
                                def: owner,
                            },
                            0,
                        );
                    }
                    let self_ty = match r {
                        Ty::Class(c) => Ty::Instance(*c, Vec::new()),
                        other => other.clone(),
                    };
                    subst.push((Name::new_static("Self"), self_ty));
                }
                self.returns(*d, &subst)
            }
            Ty::Instance(..) => {
                let call = self.member_type(callee, "__call__");
                if matches!(call, Ty::Function(..)) {
                    self.call_result(&call)
                } else {
                    Ty::Unknown
                }
            }
            Ty::Union(parts) => union(parts.iter().map(|p| self.call_result(p))),
            Ty::Callable(returns) => (**returns).clone(),
            _ => Ty::Unknown,
        }
    }

    /// The return type of a function: its annotation, else its `return` values.
    #[must_use]
    pub fn returns(&self, d: DefRef, subst: &[(Name, Ty)]) -> Ty {
        let Some(def) = self.def(d) else {
            return Ty::Unknown;
        };
        let Some(sig) = &def.sig else {
            return Ty::Unknown;
        };
        if let Some(r) = &sig.returns {
            return self.ann_type(r, d.file, subst);
        }
        if sig.is_generator || def.deco.other {
            return Ty::Unknown;
        }
        if sig.return_values.is_empty() {
            return if self.file(d.file).is_some_and(|m| m.is_stub) {
                Ty::Unknown
            } else {
                Ty::None
            };
        }
        // Inferred returns do not depend on the receiver: memoise them, and
        // cut recursion (`def f(): return g()` / `def g(): return f()`).
        if let Some(t) = self.inferred_returns.borrow().get(&d) {
            return t.clone();
        }
        self.inferred_returns.borrow_mut().insert(d, Ty::Unknown);
        let ty = union(sig.return_values.iter().map(|v| self.value_type(v, d.file)));
        self.inferred_returns.borrow_mut().insert(d, ty.clone());
        ty
    }

    // ----- display ----------------------------------------------------------------

    #[must_use]
    pub fn display(&self, ty: &Ty) -> String {
        match ty {
            Ty::Unknown => "Unknown".into(),
            Ty::None => "None".into(),
            Ty::Module(f) => format!("module[{}]", self.file(*f).map_or("?", |m| m.name.as_str())),
            Ty::Class(c) => format!("type[{}]", self.def(*c).map_or("?", |d| d.name.as_str())),
            Ty::Instance(c, args) => {
                let name = self.def(*c).map_or("?", |d| d.name.as_str());
                if args.is_empty() {
                    name.to_string()
                } else {
                    format!(
                        "{name}[{}]",
                        args.iter()
                            .map(|a| self.display(a))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            }
            Ty::Function(d, _) => self
                .def(*d)
                .and_then(|x| x.sig.as_ref())
                .map_or_else(|| "function".into(), |s| s.text.clone()),
            Ty::Super(c, _) => format!("super[{}]", self.def(*c).map_or("?", |d| d.name.as_str())),
            Ty::Callable(returns) => format!("Callable[..., {}]", self.display(returns)),
            Ty::Union(parts) => parts
                .iter()
                .map(|p| self.display(p))
                .collect::<Vec<_>>()
                .join(" | "),
        }
    }
}

/// Render an unresolved expression as source-like text (class bases in hovers).
#[must_use]
pub fn vexpr_text(v: &VExpr) -> String {
    match v {
        VExpr::Name { name, .. } => name.to_string(),
        VExpr::Attr(b, n) => format!("{}.{n}", vexpr_text(b)),
        VExpr::Subscript(b, args) => {
            format!(
                "{}[{}]",
                vexpr_text(b),
                args.iter().map(vexpr_text).collect::<Vec<_>>().join(", ")
            )
        }
        VExpr::Call(f) => format!("{}()", vexpr_text(f)),
        VExpr::Union(parts) => parts.iter().map(vexpr_text).collect::<Vec<_>>().join(" | "),
        VExpr::NoneLit => "None".into(),
        VExpr::Lit(name, _) => (*name).to_string(),
        VExpr::Key(k) => format!("{:?}", k.as_str()),
        VExpr::Await(x) => format!("await {}", vexpr_text(x)),
        VExpr::Narrowed(x, _) => vexpr_text(x),
        VExpr::Unknown => "...".into(),
    }
}
