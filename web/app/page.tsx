export default function Home() {
  return <h1>Experiments</h1>;
}
