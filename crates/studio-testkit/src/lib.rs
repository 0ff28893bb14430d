//! Test support shared by the crates' tests and benches: mock servers that follow the providers' documented
//! contracts (see `shared/reference/providers.md`), with switchable faults. Used only as a dev-dependency.

pub mod elevenlabs;
pub mod fal;
pub mod heygen;
pub mod youtube;

pub use elevenlabs::ElevenLabsMock;
pub use fal::{FalMock, Submits};
pub use heygen::HeyGenMock;
pub use youtube::YouTubeMock;
