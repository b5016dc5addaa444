//! `#[derive(Model)]`: `Serialize` and `Deserialize` for the structs of
//! [`boltz-api`](https://docs.rs/boltz-api), written so that decoding and encoding again gives back
//! the JSON that was decoded.
//!
//! serde's own derive cannot do that: it cannot tell a field the server sent as `null` from one
//! it left out (both are `None`), and `#[serde(flatten)]` for unknown fields buffers every field
//! and loses the path of a decode error. This derive writes the visitor a hand-written
//! implementation would have:
//!
//! * every field by its wire name (`#[model(rename = "type")]` where the Rust name differs);
//! * a field of type `Option<T>` may be absent or `null`; which of the two it was is kept, and
//!   written back the same way;
//! * `#[model(default)]`: a required field that may be missing (it takes its `Default`), and is
//!   left out again when written; not while `boltz_api` decodes strictly, to tell apart the
//!   kinds of a union by what is really there;
//! * `#[model(constant = "value")]` on a `&'static str` field: the field always holds `value`;
//!   decoding refuses any other value and fills it in when absent;
//! * the field named `extra` (a `boltz_api::models::Extra`) keeps every other field, and where
//!   the flags above are recorded; it is written after the known fields.
//!
//! The generated code refers to `::boltz_api`, so it is used by `boltz-api` itself.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{
    Data, DeriveInput, Error, Fields, GenericArgument, Ident, LitStr, PathArguments, Type, parse_macro_input,
};

/// Derive `Serialize` and `Deserialize` for a model struct; see the crate docs.
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input).unwrap_or_else(Error::into_compile_error).into()
}

/// How a field is read and written.
enum Kind {
    /// Must be there.
    Required,
    /// `Option<T>`: absent or `null` when `None`, told apart by a flag.
    Optional,
    /// Takes its `Default` when absent, flagged so that it is left out again.
    Defaulted,
    /// Always this string.
    Constant(LitStr),
}

struct Field {
    ident: Ident,
    wire: String,
    ty: Type,
    kind: Kind,
    /// The field's flag in `extra` (optional and defaulted fields).
    flag: Option<u32>,
}

/// At most this many optional or defaulted fields: their flags are one `u64`.
const FLAGS: u32 = 64;

fn expand(input: &DeriveInput) -> syn::Result<Tokens> {
    let Data::Struct(data) = &input.data else {
        return Err(Error::new(input.span(), "Model is derived for structs"));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(Error::new(input.span(), "Model is derived for structs with named fields"));
    };
    let mut fields = Vec::new();
    let mut extra = None;
    let mut flags = 0;
    for field in &named.named {
        let ident = field.ident.clone().expect("a named field");
        if ident == "extra" {
            extra = Some(ident);
            continue;
        }
        let mut wire = ident.unraw().to_string();
        let mut kind = if option_inner(&field.ty).is_some() { Kind::Optional } else { Kind::Required };
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("model")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    wire = meta.value()?.parse::<LitStr>()?.value();
                } else if meta.path.is_ident("default") {
                    kind = Kind::Defaulted;
                } else if meta.path.is_ident("constant") {
                    kind = Kind::Constant(meta.value()?.parse()?);
                } else {
                    return Err(meta.error("expected `rename = \"…\"`, `default` or `constant = \"…\"`"));
                }
                Ok(())
            })?;
        }
        let flag = matches!(kind, Kind::Optional | Kind::Defaulted).then(|| {
            flags += 1;
            flags - 1
        });
        if flags > FLAGS {
            return Err(Error::new(field.span(), "more than 64 optional or defaulted fields"));
        }
        fields.push(Field { ident, wire, ty: field.ty.clone(), kind, flag });
    }
    let Some(extra) = extra else {
        return Err(Error::new(input.span(), "a Model keeps unknown fields in a field named `extra`"));
    };
    let serialize = serialize(input, &fields, &extra);
    let deserialize = deserialize(input, &fields, &extra);
    Ok(quote! { #serialize #deserialize })
}

/// `T` when `ty` is spelled `Option<T>`.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    match &last.arguments {
        PathArguments::AngleBracketed(args) => match args.args.first()? {
            GenericArgument::Type(inner) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}

fn serialize(input: &DeriveInput, fields: &[Field], extra: &Ident) -> Tokens {
    let name = &input.ident;
    let mut generics = input.generics.clone();
    for param in generics.type_params_mut() {
        param.bounds.push(syn::parse_quote!(::serde::Serialize));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let entries = fields.iter().map(|f| {
        let (ident, wire) = (&f.ident, &f.wire);
        match (&f.kind, f.flag) {
            (Kind::Optional, Some(flag)) => quote! {
                match &self.#ident {
                    ::std::option::Option::Some(value) => map.serialize_entry(#wire, value)?,
                    ::std::option::Option::None if self.#extra.flag(#flag) => map.serialize_entry(#wire, &())?,
                    ::std::option::Option::None => {}
                }
            },
            (Kind::Defaulted, Some(flag)) => quote! {
                if !self.#extra.flag(#flag) {
                    map.serialize_entry(#wire, &self.#ident)?;
                }
            },
            _ => quote! { map.serialize_entry(#wire, &self.#ident)?; },
        }
    });
    let known = fields.iter().map(|f| &f.wire);
    quote! {
        impl #impl_generics ::serde::Serialize for #name #ty_generics #where_clause {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeMap as _;
                let mut map = serializer.serialize_map(::std::option::Option::None)?;
                #(#entries)*
                self.#extra.serialize_unknown(&mut map, &[#(#known),*])?;
                map.end()
            }
        }
    }
}

fn deserialize(input: &DeriveInput, fields: &[Field], extra: &Ident) -> Tokens {
    let name = &input.ident;
    let expecting = format!("struct {name}");
    let mut generics = input.generics.clone();
    let params: Vec<Ident> = generics.type_params().map(|p| p.ident.clone()).collect();
    for param in generics.type_params_mut() {
        param.bounds.push(syn::parse_quote!(::serde::Deserialize<'de>));
    }
    let (_, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut with_de = generics.clone();
    with_de.params.insert(0, syn::parse_quote!('de));
    let (impl_generics, _, _) = with_de.split_for_impl();
    let slots: Vec<Ident> = (0..fields.len()).map(|i| format_ident!("field_{i}")).collect();
    let declarations = fields.iter().zip(&slots).map(|(f, slot)| {
        let ty = &f.ty;
        match &f.kind {
            Kind::Constant(_) => quote! { let mut #slot = false; },
            _ => quote! { let mut #slot: ::std::option::Option<#ty> = ::std::option::Option::None; },
        }
    });
    let arms = fields.iter().zip(&slots).map(|(f, slot)| {
        let wire = &f.wire;
        match &f.kind {
            Kind::Constant(value) => quote! {
                #wire => {
                    map.next_value_seed(::boltz_api::models::__private::Constant(#value))?;
                    #slot = true;
                }
            },
            _ => quote! { #wire => #slot = ::std::option::Option::Some(map.next_value()?), },
        }
    });
    let inits = fields.iter().zip(&slots).map(|(f, slot)| {
        let (ident, wire) = (&f.ident, &f.wire);
        match (&f.kind, f.flag) {
            (Kind::Required, _) => quote! {
                #ident: match #slot {
                    ::std::option::Option::Some(value) => value,
                    ::std::option::Option::None => return ::std::result::Result::Err(::serde::de::Error::missing_field(#wire)),
                },
            },
            (Kind::Optional, Some(flag)) => quote! {
                #ident: match #slot {
                    ::std::option::Option::Some(::std::option::Option::None) => {
                        extra.set_flag(#flag);
                        ::std::option::Option::None
                    }
                    ::std::option::Option::Some(value) => value,
                    ::std::option::Option::None => ::std::option::Option::None,
                },
            },
            (Kind::Defaulted, Some(flag)) => quote! {
                #ident: match #slot {
                    ::std::option::Option::Some(value) => value,
                    ::std::option::Option::None if ::boltz_api::models::__private::strict() => {
                        return ::std::result::Result::Err(::serde::de::Error::missing_field(#wire));
                    }
                    ::std::option::Option::None => {
                        extra.set_flag(#flag);
                        ::std::default::Default::default()
                    }
                },
            },
            (Kind::Constant(value), _) => quote! { #ident: { let _ = #slot; #value }, },
            _ => unreachable!("optional and defaulted fields have flags"),
        }
    });
    let visitor = if params.is_empty() {
        quote! { struct Visitor; }
    } else {
        quote! { struct Visitor<#(#params),*>(::std::marker::PhantomData<fn() -> (#(#params,)*)>); }
    };
    let visitor_ty = if params.is_empty() {
        quote! { Visitor }
    } else {
        quote! { Visitor<#(#params),*> }
    };
    let visitor_value = if params.is_empty() {
        quote! { Visitor }
    } else {
        quote! { Visitor(::std::marker::PhantomData) }
    };
    quote! {
        impl #impl_generics ::serde::Deserialize<'de> for #name #ty_generics #where_clause {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                #visitor
                impl #impl_generics ::serde::de::Visitor<'de> for #visitor_ty #where_clause {
                    type Value = #name #ty_generics;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> ::std::result::Result<Self::Value, A::Error> {
                        #(#declarations)*
                        let mut extra = ::boltz_api::models::Extra::default();
                        while let ::std::option::Option::Some(key) = map.next_key::<::boltz_api::models::__private::Key<'de>>()? {
                            match key.as_str() {
                                #(#arms)*
                                _ => extra.insert_unknown(key.into_string(), map.next_value()?),
                            }
                        }
                        ::std::result::Result::Ok(#name {
                            #(#inits)*
                            #extra: extra,
                        })
                    }
                }
                deserializer.deserialize_map(#visitor_value)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(input: DeriveInput) -> String {
        expand(&input).unwrap_err().to_string()
    }

    #[test]
    fn refuses_what_it_cannot_write_back() {
        assert!(error(syn::parse_quote! { enum E { A } }).contains("for structs"));
        assert!(error(syn::parse_quote! { struct T(u8); }).contains("named fields"));
        assert!(error(syn::parse_quote! { struct S { a: u8 } }).contains("a field named `extra`"));
        assert!(
            error(syn::parse_quote! { struct S { #[model(flatten)] a: u8, extra: Extra } })
                .contains("expected `rename")
        );
        let many: Vec<Ident> = (0..65).map(|i| format_ident!("f{i}")).collect();
        let input: DeriveInput = syn::parse_quote! { struct S { #(#many: Option<u8>,)* extra: Extra } };
        assert!(error(input).contains("more than 64"));
    }

    #[test]
    fn reads_each_kind_of_field() {
        let input: DeriveInput = syn::parse_quote! {
            struct Page<T> {
                data: Vec<T>,
                #[model(rename = "type", constant = "page")]
                kind: &'static str,
                next: Option<String>,
                #[model(default)]
                url: String,
                r#ref: u8,
                extra: Extra,
            }
        };
        let code = expand(&input).unwrap().to_string();
        for expected in [
            "T : :: serde :: Serialize",
            "T : :: serde :: Deserialize < 'de >",
            "\"type\" =>",
            "Constant (\"page\")",
            "\"ref\" =>",
            "missing_field (\"data\")",
            "self . extra . flag (0u32)",
            "extra . set_flag (1u32)",
        ] {
            assert!(code.contains(expected), "no `{expected}` in {code}");
        }
        let inner = option_inner(&syn::parse_quote!(Option<Vec<u8>>)).map(|t| quote!(#t).to_string());
        assert_eq!(inner.as_deref(), Some("Vec < u8 >"));
        assert!(option_inner(&syn::parse_quote!(Vec<u8>)).is_none());
    }
}
