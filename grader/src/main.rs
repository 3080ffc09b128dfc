//! The grader for the built-in reference solution. A course builds the same
//! binary against a submission by replacing the `student` crate.

fn main() -> std::process::ExitCode {
    grader::main::<student::Reference>()
}
