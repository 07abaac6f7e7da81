//! The bundle's CSV files. (Being written.)
