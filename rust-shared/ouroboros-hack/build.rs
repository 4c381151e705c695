// Present so that cargo also unifies the features of build dependencies.
fn main() {}
