// The test backend the mock build puts on the page (see tests/fake/install.ts).
interface Window {
  __fake: any;
}
