//! ICAO Doc 9303 protocols (work in progress).
