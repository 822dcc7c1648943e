// The test build's entry: the backend is installed first, then the real app starts.
import './install';
import '../../src/main';
