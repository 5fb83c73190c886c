import { Workspace } from '@/components/Workspace';

export default function Home() {
  return <Workspace />;
}
