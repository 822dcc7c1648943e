//! A damaged database: `doctor` says what is still there (the files made so far, outside the
//! database) and what to do, in words, never sled's raw text.

mod common;

use common::{example, Sandbox};

#[test]
fn doctor_on_a_damaged_database_says_what_is_left_and_what_to_do() {
    for how in ["cut", "garbage"] {
        let sb = Sandbox::new();
        sb.run(&["make", &example("paper-boats.txt")])
            .expect(0, &["Done"]);
        let db = sb.data().join("db").join("db");
        match how {
            "cut" => {
                let bytes = std::fs::read(&db).unwrap();
                std::fs::write(&db, &bytes[..200]).unwrap();
            }
            _ => {
                let len = std::fs::metadata(&db).unwrap().len() as usize;
                std::fs::write(&db, vec![0xA5u8; len]).unwrap();
            }
        }
        let r = sb.run(&["doctor"]);
        let all = format!("{}{}", r.stdout, r.stderr);
        assert_eq!(r.code, 2, "{how}: {all}");
        assert!(all.contains("damaged"), "{how}: {all}");
        assert!(
            all.contains("image files") && !all.contains(" 0 image files"),
            "{how}: the files made so far are counted: {all}"
        );
        assert!(
            all.contains("db.damaged") && all.contains("backup"),
            "{how}: {all}"
        );
        assert!(
            !all.contains("backtrace") && !all.contains("file offset"),
            "{how}: {all}"
        );
        assert!(
            !all.contains("storyreel doctor"),
            "{how}: no circular advice: {all}"
        );
    }
}
