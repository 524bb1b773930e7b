//! placeholder: charts tests
