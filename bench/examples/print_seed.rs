fn main() {
    let a: Vec<String> = std::env::args().collect();
    let shape = if a[1] == "wide" {
        bench::tables::Shape::Wide
    } else {
        bench::tables::Shape::Narrow
    };
    let t = bench::tables::BenchTable::new(shape, a[2].parse().unwrap());
    println!("USE bench;\n{}", t.seed_sql());
}
