//! stub
/// stub
pub fn establish_access() {}
