//! Test support shared by the crates' tests and benches: mock servers that follow the providers' documented
//! contracts (see `shared/reference/providers.md`), with switchable faults. Used only as a dev-dependency.

pub mod fal;
pub mod youtube;

pub use fal::{FalMock, Submits};
pub use youtube::YouTubeMock;
