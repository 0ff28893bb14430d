//! Saves frames of a video as PNG: `cargo run -p studio-render --example grab -- VIDEO OUT_PREFIX SECONDS...`
//! (for looking at renders on machines without an ffmpeg binary).

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: grab VIDEO OUT_PREFIX SECONDS...");
        std::process::exit(2);
    }
    let video = std::path::Path::new(&args[1]);
    let fps = studio_render::kenburns::probe_video(video)
        .map(|p| p.fps)
        .unwrap_or(30.0);
    for t in &args[3..] {
        let Ok(sec) = t.parse::<f64>() else {
            eprintln!("{t} is not a time in seconds");
            continue;
        };
        let index = (sec * fps).round() as u64;
        match studio_render::probe::rgb_at(video, index) {
            Ok(img) => {
                let out = format!("{}_{t}.png", args[2]);
                let small =
                    image::imageops::resize(&img, 640, 360, image::imageops::FilterType::Triangle);
                if let Err(e) = small.save(&out) {
                    eprintln!("{out}: {e}");
                } else {
                    println!("{out}");
                }
            }
            Err(e) => eprintln!("{t} s: {e}"),
        }
    }
}
